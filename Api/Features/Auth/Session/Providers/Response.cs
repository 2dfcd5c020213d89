namespace Ductus.Api.Features.Auth.Session.Providers;

/// <summary>How a browser may sign in here, for the sign-in page to offer exactly those.</summary>
/// <param name="ApiKey">Whether <c>POST /auth/session</c> takes an API key (not while an external issuer is configured).</param>
/// <param name="Oidc">The external issuer's sign-in, when configured.</param>
public sealed record Response(bool ApiKey, OidcProvider? Oidc);

/// <param name="Name">What to call the issuer on the button.</param>
/// <param name="LoginUrl">Where the button goes; append <c>?returnUrl=/path</c>.</param>
public sealed record OidcProvider(string Name, string LoginUrl);
