using System.Text;
using Ductus.Api.Auth;
using Ductus.Api.Catalog;
using Ductus.Core.Catalog;
using Ductus.Core.Models;
using Ductus.Core.Pii;
using Ductus.Core.Sources;
using Ductus.Core.Specs;
using Microsoft.Net.Http.Headers;

namespace Ductus.Api.Features.Pipelines;

/// <summary>A spec read from a request body: the model, its text and format, or every error in it.</summary>
/// <param name="Inputs">For a model: the datasets it reads.</param>
public sealed record SpecBody(PipelineSpec? Spec, string Text, string Format, IReadOnlyList<SpecError> Errors, IReadOnlyList<string> Inputs)
{
    /// <summary>What a valid spec should still look at (<see cref="PiiSpecRules.Warnings"/>).</summary>
    public IReadOnlyList<SpecWarning> Warnings { get; init; } = [];

    public static readonly string[] YamlTypes = ["application/yaml", "application/x-yaml", "text/yaml", "text/x-yaml"];

    public bool IsValid => Spec is not null && Errors.Count == 0;

    /// <summary>
    /// Null when the content type is neither JSON nor YAML. The body is read by hand because
    /// FastEndpoints binds JSON only, and both formats must go through the same spec parser so
    /// they report the same errors with the same paths. The spec is checked as the caller's
    /// workspace's: its source roots, and the secrets and connections granted to it.
    /// </summary>
    public static async Task<SpecBody?> ReadAsync(HttpRequest request, SourceAccess sources, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(sources);
        if (!MediaTypeHeaderValue.TryParse(request.ContentType, out var type) || type.MediaType.Value is not { } media)
        {
            return null;
        }

        var isJson = media.Equals("application/json", StringComparison.OrdinalIgnoreCase)
            || media.EndsWith("+json", StringComparison.OrdinalIgnoreCase);
        var isYaml = YamlTypes.Contains(media, StringComparer.OrdinalIgnoreCase);
        if (!isJson && !isYaml)
        {
            return null;
        }

        using var reader = new StreamReader(request.Body, Encoding.UTF8);
        var text = await reader.ReadToEndAsync(ct);
        var parsed = isJson ? SpecParser.ParseJson(text) : SpecParser.ParseYaml(text);
        var errors = parsed.Errors.ToList();
        IReadOnlyList<string> inputs = [];
        if (parsed.Spec is { } spec)
        {
            errors.AddRange(sources.Validate(spec, await WorkspaceNameAsync(request.HttpContext, ct)));
            errors.AddRange(await PiiSpecRules.CheckExpressionsAsync(spec, ct));
            if (errors.Count == 0)
            {
                // Only a spec sound on its own is checked against the catalog: its SQL parses, so
                // an error here is about the datasets it names.
                var catalog = request.HttpContext.RequestServices.GetRequiredService<CatalogStore>();
                var model = await ModelInputs.ResolveAsync(catalog, request.HttpContext.User.WorkspaceId(), spec, ct);
                errors.AddRange(model.Errors);
                inputs = model.Inputs;
            }
        }

        return new SpecBody(parsed.Spec, text, isJson ? "json" : "yaml", errors, inputs)
        {
            Warnings = parsed.Spec is { } read ? SpecWarning.From(PiiSpecRules.Warnings(read)) : [],
        };
    }

    /// <summary>Saves this valid spec as pipeline <paramref name="name"/>'s next version, and tells the schedulers.</summary>
    /// <exception cref="ArchivedNameException">A pipeline of this name is archived.</exception>
    public async Task<Pipeline> SaveAsync(CatalogStore catalog, RunNotifier notifier, HttpContext http, string name, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(notifier);
        ArgumentNullException.ThrowIfNull(http);
        var spec = Spec ?? throw new InvalidOperationException("Only a valid spec is saved.");
        var workspace = http.User.WorkspaceId();
        // The catalog names the action: created or updated, as it finds the row.
        await catalog.Pipelines.SaveAsync(workspace, name, SpecWriter.ToJson(spec, indented: false), Text, Format, spec.Schedule, spec.Target.Dataset, Inputs,
            http.Audit(AuditActions.PipelineUpdated, name), ct);
        await notifier.PipelineChangedAsync(workspace, name);
        return (await Pipeline.LoadAsync(catalog, workspace, name, ct))! with { Warnings = Warnings };
    }

    /// <summary>
    /// Grants name workspaces, tokens carry the workspace's id (and our own tokens its name).
    /// An external issuer's token may lack the name: it is then looked up, never assumed.
    /// </summary>
    private static async Task<string> WorkspaceNameAsync(HttpContext context, CancellationToken ct)
    {
        if (context.User.FindFirst(DuctusClaims.WorkspaceName)?.Value is { Length: > 0 } name)
        {
            return name;
        }

        var id = context.User.WorkspaceId();
        return await context.RequestServices.GetRequiredService<CatalogStore>().Workspaces.NameAsync(id, ct)
            ?? throw new InvalidOperationException($"The token's workspace {id} does not exist.");
    }
}
