using System.Diagnostics;
using System.Net;
using System.Text.RegularExpressions;

namespace Ductus.Core.Telemetry;

/// <summary>
/// Makes an error text fit to show a client. DuckDB, the file system and the HTTP stack write
/// what they know into their messages: absolute file paths (<c>/var/…/lake/acme/flights/x.parquet</c>),
/// the addresses a host name resolved to, the host names of the services behind the Api. A client
/// needs none of that and an attacker learns the server's layout from it. So:
/// <list type="bullet">
/// <item>a path under one of the known <c>roots</c> (the lake, the source roots) becomes the path
/// relative to that root, which is what the user wrote in a spec or sees as workspace/dataset;</item>
/// <item>any other absolute path becomes <c>&lt;path&gt;</c>;</item>
/// <item>IPv4 and IPv6 addresses, <c>localhost</c> and the configured internal host names (with
/// their ports) become <c>&lt;address&gt;</c>.</item>
/// </list>
/// The full text goes to the log next to <see cref="CorrelationId"/>; only the redacted text
/// leaves the process.
/// </summary>
public sealed partial class ErrorRedactor
{
    public const string PathPlaceholder = "<path>";
    public const string AddressPlaceholder = "<address>";

    /// <summary>Problem-detail member that carries <see cref="CorrelationId"/> to the client.</summary>
    public const string CorrelationIdMember = "correlationId";

    /// <summary>Redacts paths and addresses only, with no root to make paths relative to.</summary>
    public static readonly ErrorRedactor Default = new([]);

    private readonly string[] _roots;
    private readonly Regex? _hosts;

    /// <param name="roots">Folders whose files are shown relative to them (absolute paths).</param>
    /// <param name="internalHosts">Host names of the services behind the Api (from connection strings, service discovery).</param>
    public ErrorRedactor(IEnumerable<string> roots, IEnumerable<string>? internalHosts = null)
    {
        ArgumentNullException.ThrowIfNull(roots);
        // Each root as configured and with its symbolic links followed (what file APIs report);
        // longest first, so a root inside another root wins; "/" would make every path "relative".
        _roots = [.. roots
            .Where(r => !string.IsNullOrWhiteSpace(r) && Path.IsPathFullyQualified(r))
            .SelectMany(r => new[] { Path.GetFullPath(r), Specs.SourceRoots.RealPath(r) })
            .Select(Path.TrimEndingDirectorySeparator)
            .Where(r => r.Length > 1)
            .Distinct(StringComparer.Ordinal)
            .OrderByDescending(r => r.Length)];
        var hosts = (internalHosts ?? [])
            .Append("localhost")
            .Where(h => !string.IsNullOrWhiteSpace(h) && !IPAddress.TryParse(h, out _))
            .Select(h => h.Trim())
            .Distinct(StringComparer.OrdinalIgnoreCase)
            .OrderByDescending(h => h.Length)
            .Select(Regex.Escape)
            .ToList();
        if (hosts.Count > 0)
        {
            // A host name counts as one only where it stands as an address: "postgres:5432",
            // "http://analytics/", "Host=postgres" — not the word "postgres" in "a postgres source".
            var names = string.Join('|', hosts);
            _hosts = new Regex(
                $@"(?<![\w.-])(?:{names}):\d{{1,5}}(?!\w)|(?<=://|@|\bhost=|\bserver=)(?:{names})(?![\w.-])|(?<![\w.-])localhost(?![\w.-])",
                RegexOptions.IgnoreCase | RegexOptions.CultureInvariant,
                TimeSpan.FromSeconds(1));
        }
    }

    /// <summary>The text with paths made relative (or <c>&lt;path&gt;</c>) and addresses replaced.</summary>
    public string Redact(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return text ?? string.Empty;
        }

        var result = QuotedPath().Replace(text, m => m.Groups["q"].Value + Shown(m.Groups["p"].Value) + m.Groups["q"].Value);
        result = BarePath().Replace(result, m =>
        {
            // A sentence that ends with a path: the full stop is not part of it.
            var path = m.Value.TrimEnd('.');
            return Shown(path) + m.Value[path.Length..];
        });
        result = _hosts?.Replace(result, AddressPlaceholder) ?? result;
        result = Ipv6().Replace(result, m => IsAddress(m.Groups["ip"].Value) ? AddressPlaceholder : m.Value);
        result = Ipv4().Replace(result, m => IsAddress(m.Groups["ip"].Value) ? AddressPlaceholder : m.Value);
        return result;
    }

    /// <summary>
    /// The id a client quotes to find the full text in the logs: the current trace id (the Api's
    /// and the worker's spans of one request share it), else <paramref name="fallback"/>.
    /// </summary>
    public static string CorrelationId(string? fallback = null) =>
        Activity.Current is { } activity && activity.TraceId != default
            ? activity.TraceId.ToHexString()
            : fallback ?? Guid.NewGuid().ToString("N");

    private string Shown(string path)
    {
        foreach (var root in _roots)
        {
            if (path.Length > root.Length + 1 && path.StartsWith(root, StringComparison.Ordinal) && path[root.Length] == '/')
            {
                return path[(root.Length + 1)..];
            }
        }

        return PathPlaceholder;
    }

    private static bool IsAddress(string text) =>
        text.Any(char.IsAsciiHexDigit) && IPAddress.TryParse(text, out _);

    // An absolute path in quotes, as DuckDB and .NET quote file names: one segment is enough there.
    [GeneratedRegex("""(?<q>["'`])(?<p>/[^"'`\s/][^"'`\r\n]*)\k<q>""", RegexOptions.CultureInvariant, 1000)]
    private static partial Regex QuotedPath();

    // An absolute path standing alone needs two segments ("/var/lib"), so "and/or" or a lone
    // "/" stay; the look-behind keeps URL paths ("https://host/x", "host/x") out.
    [GeneratedRegex("""(?<![\w.:/\\~<>@%-])/[^\s"'`<>|;:,()\[\]{}?/]+(?:/[^\s"'`<>|;:,()\[\]{}?/]*)+""", RegexOptions.CultureInvariant, 1000)]
    private static partial Regex BarePath();

    [GeneratedRegex(@"(?<![\w.])(?<ip>\d{1,3}(?:\.\d{1,3}){3})(?::\d{1,5})?(?!\w|\.\d)", RegexOptions.CultureInvariant, 1000)]
    private static partial Regex Ipv4();

    [GeneratedRegex(@"\[(?<ip>[0-9A-Fa-f:.]+(?:%\w+)?)\](?::\d{1,5})?|(?<![\w:.])(?<ip>(?:[0-9A-Fa-f]{0,4}:){2,7}(?:\d{1,3}(?:\.\d{1,3}){3}|[0-9A-Fa-f]{1,4})?(?:%\w+)?)(?![\w:])", RegexOptions.CultureInvariant, 1000)]
    private static partial Regex Ipv6();
}
