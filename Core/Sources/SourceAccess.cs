using System.Collections.Concurrent;
using Ductus.Core.Specs;

namespace Ductus.Core.Sources;

/// <summary>
/// What each workspace's specs may reach: its source roots (the configured
/// <c>Ductus:Sources:Roots</c> belong to <c>default</c>; another workspace reads only folders
/// granted to it) and the grants of secrets and connections. The Api validates specs against it
/// when they are saved, the watched folder when it loads them, and the engine before every run.
/// </summary>
public sealed class SourceAccess
{
    private readonly IReadOnlyList<string> configured;
    private readonly bool shared;
    private readonly ConcurrentDictionary<string, SourceRoots> byWorkspace = new(StringComparer.Ordinal);

    /// <param name="configured">The configured source roots, which belong to the <c>default</c> workspace.</param>
    public SourceAccess(IEnumerable<string> configured, SourceGrants grants)
        : this(configured, grants, shared: false)
    {
    }

    private SourceAccess(IEnumerable<string> configured, SourceGrants grants, bool shared)
    {
        ArgumentNullException.ThrowIfNull(configured);
        ArgumentNullException.ThrowIfNull(grants);
        this.configured = [.. configured];
        Grants = grants;
        this.shared = shared;
    }

    public SourceGrants Grants { get; }

    /// <summary>Every folder any workspace may read: what error texts shown to clients are made relative to.</summary>
    public IReadOnlyList<string> AllRoots => [.. configured.Concat(Grants.Roots.Values.SelectMany(r => r)).Distinct(StringComparer.Ordinal)];

    /// <summary>
    /// The same roots for every workspace, for a host that serves one party only (the
    /// command-line runner, tests of the engine); the grants of secrets and connections still apply.
    /// </summary>
    public static SourceAccess Shared(SourceRoots roots, SourceGrants? grants = null)
    {
        ArgumentNullException.ThrowIfNull(roots);
        return new SourceAccess(roots.Roots, grants ?? new SourceGrants(), shared: true);
    }

    /// <summary>The folders <paramref name="workspace"/>'s specs and transforms may read.</summary>
    public SourceRoots RootsOf(string workspace)
    {
        ArgumentNullException.ThrowIfNull(workspace);
        return byWorkspace.GetOrAdd(workspace, w =>
        {
            var folders = (shared ? configured.Concat(Grants.Roots.GetValueOrDefault(w) ?? []) : Grants.RootsOf(w, configured)).ToList();
            return folders.Count == 0 ? SourceRoots.None : new SourceRoots(folders);
        });
    }

    /// <summary>Every problem of <paramref name="spec"/> as <paramref name="workspace"/>'s: shape, paths under its roots, grants.</summary>
    public IReadOnlyList<SpecError> Validate(PipelineSpec spec, string workspace)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var errors = SpecValidator.Validate(spec, RootsOf(workspace)).ToList();
        Grants.Check(spec, workspace, (path, message) => errors.Add(new SpecError(path, message)));
        return errors;
    }
}
