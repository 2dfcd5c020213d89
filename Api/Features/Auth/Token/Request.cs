using System.Text.Json.Serialization;
using FastEndpoints;
using FluentValidation;

namespace Ductus.Api.Features.Auth.Token;

/// <summary>An OAuth2 client-credentials token request (RFC 6749 §4.4), form-encoded.</summary>
public sealed class Request
{
    /// <summary>Must be <c>client_credentials</c>.</summary>
    [BindFrom("grant_type")]
    [JsonPropertyName("grant_type")]
    public string? GrantType { get; set; }

    /// <summary>The API key's client id (<c>admin</c> for the bootstrap admin).</summary>
    [BindFrom("client_id")]
    [JsonPropertyName("client_id")]
    public string? ClientId { get; set; }

    /// <summary>The API key's secret, shown once when the key was created.</summary>
    [BindFrom("client_secret")]
    [JsonPropertyName("client_secret")]
    public string? ClientSecret { get; set; }

    public sealed class Validator : Validator<Request>
    {
        public Validator()
        {
            // Field names as the client sent them, not the C# property names.
            RuleFor(r => r.GrantType).NotEmpty().OverridePropertyName("grant_type").WithName("grant_type");
            RuleFor(r => r.ClientId).NotEmpty().MaximumLength(128).OverridePropertyName("client_id").WithName("client_id");
            RuleFor(r => r.ClientSecret).NotEmpty().MaximumLength(512).OverridePropertyName("client_secret").WithName("client_secret");
        }
    }
}
