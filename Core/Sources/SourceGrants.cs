using Ductus.Core.Specs;
using Microsoft.Extensions.Options;

namespace Ductus.Core.Sources;

/// <summary>
/// Which workspaces may use which secrets, PostgreSQL connections and source roots, and which
/// hosts each secret may be sent to (<c>Ductus:Grants</c>). The Api checks a spec against it when
/// the spec is saved and Pipelines again when it runs; neither the grants nor the Api ever hold a
/// secret's value. Whatever is not granted belongs to the <c>default</c> workspace alone, and a
/// secret is sent to no host until hosts are listed for it.
/// </summary>
public sealed class SourceGrants
{
    public const string Section = "Ductus:Grants";

    /// <summary>The operators' workspace: the configured source roots and ungranted secrets and connections are its own.</summary>
    public const string DefaultWorkspace = "default";

    /// <summary>By secret name (<c>Ductus:Secrets:&lt;name&gt;</c>).</summary>
    public Dictionary<string, SecretGrant> Secrets { get; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>By connection name (a postgres source's <c>connection</c>).</summary>
    public Dictionary<string, ConnectionGrant> Connections { get; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>By workspace name: folders its specs may read besides nothing (other workspaces) or the configured roots (<c>default</c>).</summary>
    public Dictionary<string, List<string>> Roots { get; } = new(StringComparer.Ordinal);

    public bool MayUseSecret(string workspace, string name) =>
        Allowed(Secrets.TryGetValue(name, out var grant) ? grant.Workspaces : null, workspace);

    public bool MayUseConnection(string workspace, string name) =>
        Allowed(Connections.TryGetValue(name, out var grant) ? grant.Workspaces : null, workspace);

    /// <summary>The hosts a secret may be sent to; empty when it is bound to none.</summary>
    public IReadOnlyList<string> HostsOf(string secret) =>
        Secrets.TryGetValue(secret, out var grant) ? [.. grant.Hosts] : [];

    /// <summary>
    /// The hosts every secret an http source names may be sent to (null when it names none): a
    /// request carries all of them, so only hosts common to all may receive it.
    /// </summary>
    public IReadOnlySet<string>? CredentialHosts(SourceSpec source)
    {
        ArgumentNullException.ThrowIfNull(source);
        HashSet<string>? hosts = null;
        foreach (var (_, name) in SecretNames(source))
        {
            var bound = HostsOf(name);
            if (hosts is null)
            {
                hosts = new HashSet<string>(bound, StringComparer.OrdinalIgnoreCase);
            }
            else
            {
                hosts.IntersectWith(bound);
            }
        }

        return hosts;
    }

    /// <summary>Every grant a spec needs and <paramref name="workspace"/> lacks, as errors at the key that names it.</summary>
    public void Check(PipelineSpec spec, string workspace, Action<string, string> error)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(error);
        var source = spec.Source;
        if (source.Kind is SourceKind.Postgres && !string.IsNullOrWhiteSpace(source.Connection) && !MayUseConnection(workspace, source.Connection))
        {
            error("source.connection", $"connection '{source.Connection}' is not granted to workspace '{workspace}' (an operator grants it in {Section}:Connections:{source.Connection}:Workspaces)");
        }

        if (source.Kind is not SourceKind.Http)
        {
            return;
        }

        var host = Uri.TryCreate(source.Url, UriKind.Absolute, out var url) ? url.Host : null;
        foreach (var (path, name) in SecretNames(source))
        {
            if (!MayUseSecret(workspace, name))
            {
                // Said the same way whether or not the secret exists: the Api does not know, and must not tell.
                error(path, $"secret '{name}' is not granted to workspace '{workspace}' (an operator grants it in {Section}:Secrets:{name}:Workspaces)");
            }
            else if (host is not null && HostRefusal(name, host) is { } refusal)
            {
                error(path, refusal);
            }
        }
    }

    /// <summary>Why <paramref name="secret"/> must not be sent to <paramref name="host"/>, or null when it may.</summary>
    public string? HostRefusal(string secret, string host)
    {
        var hosts = HostsOf(secret);
        if (hosts.Count == 0)
        {
            return $"secret '{secret}' is bound to no host (an operator lists the hosts it may be sent to in {Section}:Secrets:{secret}:Hosts)";
        }

        return hosts.Contains(host, StringComparer.OrdinalIgnoreCase)
            ? null
            : $"secret '{secret}' may be sent only to {string.Join(", ", hosts)}, not to {host}";
    }

    /// <summary>The secrets an http source names, each with the spec key that names it.</summary>
    public static IEnumerable<(string Path, string Name)> SecretNames(SourceSpec source)
    {
        ArgumentNullException.ThrowIfNull(source);
        var prefix = SourceSpecRules.SecretsSection + ":";
        foreach (var (key, path) in new[] { (source.Auth?.BearerFrom, "source.auth.bearer_from"), (source.Auth?.ValueFrom, "source.auth.value_from") })
        {
            if (key is not null && key.StartsWith(prefix, StringComparison.Ordinal) && key.Length > prefix.Length)
            {
                yield return (path, key[prefix.Length..]);
            }
        }

        foreach (var (header, value) in source.Headers)
        {
            foreach (var name in SecretReferences.In(value))
            {
                yield return ($"source.headers.{header}", name);
            }
        }
    }

    /// <summary>The folders <paramref name="workspace"/> may read: the configured roots for <c>default</c>, plus what is granted to it.</summary>
    public IEnumerable<string> RootsOf(string workspace, IEnumerable<string> configured) =>
        (workspace == DefaultWorkspace ? configured : []).Concat(Roots.TryGetValue(workspace, out var granted) ? granted : []);

    private static bool Allowed(List<string>? workspaces, string workspace) =>
        workspaces is { Count: > 0 } ? workspaces.Contains(workspace, StringComparer.Ordinal) : workspace == DefaultWorkspace;
}

/// <summary>A secret's grant: the workspaces whose specs may name it and the hosts it may be sent to.</summary>
public sealed class SecretGrant
{
    /// <summary>Empty: <c>default</c> only.</summary>
    public List<string> Workspaces { get; } = [];

    /// <summary>Host names (<c>api.github.com</c>) requests carrying the secret may go to; empty: none.</summary>
    public List<string> Hosts { get; } = [];
}

/// <summary>A PostgreSQL connection's grant: the workspaces whose specs may name it.</summary>
public sealed class ConnectionGrant
{
    /// <summary>Empty: <c>default</c> only.</summary>
    public List<string> Workspaces { get; } = [];
}

/// <summary>Checks <c>Ductus:Grants</c> at start, naming the key and the bad value.</summary>
public sealed class SourceGrantsValidator : IValidateOptions<SourceGrants>
{
    public ValidateOptionsResult Validate(string? name, SourceGrants options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        void Blank(IEnumerable<string> values, string key, string what)
        {
            if (values.Any(string.IsNullOrWhiteSpace))
            {
                failures.Add($"{key} holds an empty entry; list {what} only.");
            }
        }

        foreach (var (secret, grant) in options.Secrets)
        {
            var key = $"{SourceGrants.Section}:Secrets:{secret}";
            Blank(grant.Workspaces, key + ":Workspaces", "workspace names");
            foreach (var host in grant.Hosts)
            {
                if (Uri.CheckHostName(host) is UriHostNameType.Unknown)
                {
                    failures.Add($"{key}:Hosts must list host names like api.github.com, not '{host}'.");
                }
            }
        }

        foreach (var (connection, grant) in options.Connections)
        {
            Blank(grant.Workspaces, $"{SourceGrants.Section}:Connections:{connection}:Workspaces", "workspace names");
        }

        foreach (var (workspace, roots) in options.Roots)
        {
            if (roots.FirstOrDefault(r => !Path.IsPathFullyQualified(r)) is { } relative)
            {
                failures.Add($"{SourceGrants.Section}:Roots:{workspace} must list absolute folders, not '{relative}'.");
            }
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
