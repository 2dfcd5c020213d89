using System.Text.RegularExpressions;
using Ductus.Core.Lake;
using Ductus.Core.Sources;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Ductus.Core.Telemetry;

/// <summary>
/// The process's <see cref="ErrorRedactor"/>, built from what this process is configured with:
/// the lake and source roots (paths under them are shown relative), and the host names of the
/// services it talks to (connection strings, Aspire service discovery), which never reach a client.
/// </summary>
public static partial class ErrorRedaction
{
    /// <summary>One per process: what it hides is this process's own configuration, read once.</summary>
    public static IServiceCollection AddErrorRedaction(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.TryAddSingleton(sp => Create(sp.GetRequiredService<IConfiguration>()));
        return services;
    }

    public static ErrorRedactor Create(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var roots = configuration.GetSection(SourceAccessServices.RootsKey).GetChildren().Select(c => c.Value)
            .Append(configuration[$"{LakeOptions.Section}:Root"])
            .OfType<string>()
            .Where(Path.IsPathFullyQualified);

        var hosts = new HashSet<string>(StringComparer.OrdinalIgnoreCase) { Environment.MachineName };
        foreach (var connection in configuration.GetSection("ConnectionStrings").GetChildren())
        {
            hosts.UnionWith(HostsIn(connection.Value));
        }

        // Aspire service discovery: services:<name>:<endpoint>:<n> = http://host:port
        foreach (var (_, value) in configuration.GetSection("services").AsEnumerable())
        {
            hosts.UnionWith(HostsIn(value));
        }

        return new ErrorRedactor(roots, hosts);
    }

    /// <summary>Host names in a connection string (Npgsql <c>Host=a,b:5433</c>, Redis <c>a:6379,password=…</c>) or a URL.</summary>
    private static List<string> HostsIn(string? connection)
    {
        if (string.IsNullOrWhiteSpace(connection))
        {
            return [];
        }

        if (Uri.TryCreate(connection, UriKind.Absolute, out var url) && !string.IsNullOrEmpty(url.Host))
        {
            return [url.Host];
        }

        var hosts = new List<string>();
        foreach (var part in connection.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            foreach (var endpoint in Endpoints(part))
            {
                if (HostAndPort().Match(endpoint) is { Success: true } match)
                {
                    hosts.Add(match.Groups["host"].Value);
                }
            }
        }

        return hosts;
    }

    private static IEnumerable<string> Endpoints(string part)
    {
        var items = part.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (items.Length == 0)
        {
            return [];
        }

        // Redis: the endpoints first, then options (password=…, ssl=…).
        if (!items[0].Contains('=', StringComparison.Ordinal))
        {
            return items.Where(i => !i.Contains('=', StringComparison.Ordinal));
        }

        // Npgsql: Host=a,b:5433. Any other key=value is skipped whole (a password may hold commas).
        var equals = part.IndexOf('=', StringComparison.Ordinal);
        var key = part[..equals].Trim();
        return key.Equals("host", StringComparison.OrdinalIgnoreCase) || key.Equals("server", StringComparison.OrdinalIgnoreCase)
            ? part[(equals + 1)..].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            : [];
    }

    [GeneratedRegex(@"^(?<host>[A-Za-z0-9][A-Za-z0-9.-]*)(?::\d{1,5})?$", RegexOptions.CultureInvariant)]
    private static partial Regex HostAndPort();
}
