using Ductus.Core.Specs;

namespace Ductus.Api.Features.Lineage;

/// <summary>
/// Where an external source reads, as the lineage graph may show it to any analyst: a query
/// string can carry an API key and a connection string a password, so neither is ever shown.
/// </summary>
public static class SourceDisplay
{
    public const string Ingest = "ingest API";

    public static string Where(SourceSpec source)
    {
        ArgumentNullException.ThrowIfNull(source);
        return source.Kind switch
        {
            SourceKind.Http => HostAndPath(source.Url ?? string.Empty),
            SourceKind.Postgres => source.Connection ?? string.Empty,
            SourceKind.Ingest => Ingest,
            _ => HostAndPath(source.Path),
        };
    }

    /// <summary>A URL's host (and port) and path, without credentials, query or fragment; a relative path as written.</summary>
    public static string HostAndPath(string location) =>
        Uri.TryCreate(location, UriKind.Absolute, out var uri) && !uri.IsFile && !uri.IsUnc
            ? uri.Authority + uri.AbsolutePath
            : location;
}
