using Ductus.Api.Auth.Sessions;

namespace Ductus.Api.Features.Auth.Session;

/// <summary>
/// A browser session as the page sees it. The cookie itself never appears in a body: the page
/// cannot read it, only <see cref="CsrfToken"/>, which it sends back in <c>X-CSRF-Token</c>.
/// </summary>
/// <param name="Workspace">The workspace's name.</param>
public sealed record SessionResponse(
    string ClientId,
    string Workspace,
    Guid WorkspaceId,
    IReadOnlyList<string> Roles,
    DateTimeOffset ExpiresAt,
    string CsrfToken)
{
    public static SessionResponse Of(BrowserSession session)
    {
        ArgumentNullException.ThrowIfNull(session);
        var client = session.Client;
        return new(client.ClientId, client.WorkspaceName, client.WorkspaceId, client.Roles, session.ExpiresAt, session.CsrfToken);
    }
}
