using System.Text.Json.Serialization;

namespace Ductus.Api.Features.Auth.Token;

/// <summary>A successful token response (RFC 6749 §5.1).</summary>
public sealed record Response(
    [property: JsonPropertyName("access_token")] string AccessToken,
    [property: JsonPropertyName("token_type")] string TokenType,
    [property: JsonPropertyName("expires_in")] int ExpiresIn);

/// <summary>
/// A token error: the RFC 6749 §5.2 fields (<c>error</c>, <c>error_description</c>) that OAuth2
/// clients read, inside an RFC 7807 problem detail with field-level <c>errors</c> like the rest of the API.
/// </summary>
public sealed record TokenError(
    [property: JsonPropertyName("type")] string Type,
    [property: JsonPropertyName("title")] string Title,
    [property: JsonPropertyName("status")] int Status,
    [property: JsonPropertyName("detail")] string Detail,
    [property: JsonPropertyName("error")] string Error,
    [property: JsonPropertyName("error_description")] string ErrorDescription,
    [property: JsonPropertyName("errors")] IReadOnlyList<FieldError> Errors);

public sealed record FieldError(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("reason")] string Reason);
