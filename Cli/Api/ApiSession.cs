using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Ductus.Core.Auth;

namespace Ductus.Cli.Api;

/// <summary>
/// The Api as the CLI's commands call it: the address and a bearer token resolved once, requests
/// that wait out a 429, and any answer that is not a success turned into an
/// <see cref="ApiProblemException"/> carrying the problem details' title, detail and field errors.
/// </summary>
internal sealed class ApiSession : IDisposable
{
    /// <summary>The options every Api command accepts.</summary>
    public static readonly string[] Options = ["stack", "api", "client-id"];

    private readonly HttpClient _http;

    private ApiSession(HttpClient http) => _http = http;

    public Uri BaseAddress => _http.BaseAddress!;

    /// <summary>
    /// The address is <c>--api</c>, <c>DUCTUS_API_URL</c> or the stack file's; the token is
    /// <c>DUCTUS_TOKEN</c>, else one fetched with the client id (<c>--client-id</c>,
    /// <c>DUCTUS_CLIENT_ID</c>, default <c>admin</c>) and the secret in <c>DUCTUS_CLIENT_SECRET</c>
    /// or, for <c>admin</c>, the stack file's admin key. Secrets never come from the command line,
    /// where every user of the machine can read them.
    /// </summary>
    public static async Task<ApiSession> OpenAsync(CommandLine args, CliContext context, CancellationToken ct)
    {
        var env = context.Environment;
        var explicitUrl = args.Option("api") ?? env("DUCTUS_API_URL");
        var stack = explicitUrl is null || env("DUCTUS_TOKEN") is null ? TryStack(args, context) : null;
        var url = explicitUrl ?? stack?.Api
            ?? throw new StackNotFoundException("No Api address: pass --api URL, set DUCTUS_API_URL, or start the stack with `dotnet run --project AppHost` (its .ductus/stack.json names the Api).");
        if (!Uri.TryCreate(url, UriKind.Absolute, out var address) || address.Scheme is not ("http" or "https"))
        {
            throw new UsageException($"--api must be an http(s) address, not '{url}'.");
        }

        var http = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromMinutes(10) };
        var session = new ApiSession(http);
        try
        {
            var token = env("DUCTUS_TOKEN");
            if (string.IsNullOrEmpty(token))
            {
                var clientId = args.Option("client-id") ?? env("DUCTUS_CLIENT_ID") ?? ClientCredentials.BootstrapAdminClientId;
                var secret = env("DUCTUS_CLIENT_SECRET")
                    ?? (clientId == ClientCredentials.BootstrapAdminClientId ? stack?.AdminKey : null)
                    ?? throw new StackNotFoundException($"No secret for client '{clientId}': set DUCTUS_CLIENT_SECRET (or DUCTUS_TOKEN to a bearer token).");
                token = await session.TokenAsync(clientId, secret, ct);
            }

            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
            return session;
        }
        catch
        {
            session.Dispose();
            throw;
        }
    }

    /// <summary>Sends the request <paramref name="build"/> makes; the response is a success or this throws.</summary>
    public async Task<HttpResponseMessage> SendAsync(Func<HttpRequestMessage> build, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            using var request = build();
            HttpResponseMessage response;
            try
            {
                response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
            }
            catch (HttpRequestException e)
            {
                throw new StackNotFoundException($"Cannot reach the Api at {BaseAddress}: {e.Message}");
            }

            if (response.IsSuccessStatusCode)
            {
                return response;
            }

            // The budget is per minute and shared with every client of this address: waiting it out
            // beats failing a script that happened to run next to another.
            if (response.StatusCode == HttpStatusCode.TooManyRequests && attempt < 4)
            {
                var wait = response.Headers.RetryAfter?.Delta ?? TimeSpan.FromSeconds(5);
                response.Dispose();
                await Task.Delay(wait + TimeSpan.FromMilliseconds(250), ct);
                continue;
            }

            using (response)
            {
                throw await ApiProblemException.ReadAsync(response, ct);
            }
        }
    }

    public void Dispose() => _http.Dispose();

    private async Task<string> TokenAsync(string clientId, string secret, CancellationToken ct)
    {
        try
        {
            using var response = await SendAsync(() => new HttpRequestMessage(HttpMethod.Post, new Uri("/auth/token", UriKind.Relative))
            {
                Content = new FormUrlEncodedContent(
                [
                    new("grant_type", "client_credentials"),
                    new("client_id", clientId),
                    new("client_secret", secret),
                ]),
            }, ct);
            using var json = await JsonDocument.ParseAsync(await response.Content.ReadAsStreamAsync(ct), cancellationToken: ct);
            return json.RootElement.GetProperty("access_token").GetString()
                ?? throw new CommandFailedException("The Api's token answer has no access_token.");
        }
        catch (ApiProblemException e) when (e.Status is 400 or 401)
        {
            throw new StackNotFoundException($"The Api at {BaseAddress} refused the credentials of client '{clientId}': {e.Message}");
        }
    }

    private static Core.Contracts.StackInfo? TryStack(CommandLine args, CliContext context)
    {
        try
        {
            return context.Stack(args);
        }
        catch (StackNotFoundException) when (args.Option("stack") is null)
        {
            return null;
        }
    }
}
