using System.Text;
using System.Text.Json;

namespace Ductus.Cli.Api;

/// <summary>
/// An Api answer that is not a success, as the user reads it: the RFC 7807 problem's title and
/// detail, then each field error (<c>sql: Catalog Error: Table … does not exist</c>).
/// </summary>
internal sealed class ApiProblemException(int status, string message) : Exception(message)
{
    public int Status { get; } = status;

    public static async Task<ApiProblemException> ReadAsync(HttpResponseMessage response, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(response);
        var status = (int)response.StatusCode;
        var body = await response.Content.ReadAsStringAsync(ct);
        return new ApiProblemException(status, Describe(status, response.ReasonPhrase, body));
    }

    internal static string Describe(int status, string? reason, string body)
    {
        var text = new StringBuilder();
        try
        {
            using var json = JsonDocument.Parse(body);
            var root = json.RootElement;
            text.Append(Text(root, "title") ?? reason ?? "Error").Append(" (").Append(status).Append(')');
            if (Text(root, "detail") is { } detail)
            {
                text.Append(": ").Append(detail);
            }

            if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty("errors", out var errors))
            {
                foreach (var (name, reasonText) in Errors(errors))
                {
                    text.AppendLine().Append("  ").Append(name).Append(": ").Append(reasonText);
                }
            }

            // An OAuth error (RFC 6749 §5.2) is not a problem document but says as much.
            if ((Text(root, "error_description") ?? Text(root, "error")) is { } oauth)
            {
                text.Append(": ").Append(oauth);
            }
        }
        catch (JsonException)
        {
            text.Clear().Append(reason ?? "Error").Append(" (").Append(status).Append(')');
            if (!string.IsNullOrWhiteSpace(body))
            {
                text.Append(": ").Append(body.Length > 500 ? body[..500] + "…" : body.Trim());
            }
        }

        return text.ToString();
    }

    private static string? Text(JsonElement root, string name) =>
        root.ValueKind == JsonValueKind.Object && root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : null;

    /// <summary>FastEndpoints' list of <c>{name, reason}</c>, or ASP.NET Core's map of field → messages.</summary>
    private static IEnumerable<(string Name, string Reason)> Errors(JsonElement errors)
    {
        if (errors.ValueKind == JsonValueKind.Array)
        {
            foreach (var error in errors.EnumerateArray())
            {
                yield return (Text(error, "name") ?? "request", Text(error, "reason") ?? error.ToString());
            }
        }
        else if (errors.ValueKind == JsonValueKind.Object)
        {
            foreach (var field in errors.EnumerateObject())
            {
                var messages = field.Value.ValueKind == JsonValueKind.Array
                    ? string.Join("; ", field.Value.EnumerateArray().Select(m => m.ToString()))
                    : field.Value.ToString();
                yield return (field.Name, messages);
            }
        }
    }
}
