using System.Net.Sockets;
using Npgsql;

namespace Ductus.Core.Catalog;

/// <summary>
/// The catalog database being away (restarting, failing over) rather than a statement failing:
/// the Api and the analytics worker answer such a request 503, and the run engine waits it out, so a run whose data is
/// written still gets its commit or its failure recorded instead of staying <c>running</c>.
/// </summary>
public static class CatalogOutage
{
    private static readonly TimeSpan FirstWait = TimeSpan.FromMilliseconds(250);

    /// <summary>What a service answers a request the outage cut (a 503): about one PostgreSQL restart.</summary>
    public const int RetryAfterSeconds = 5;

    /// <summary>The title of that 503 problem, the same from the Api and the analytics worker.</summary>
    public const string ProblemTitle = "Catalog unavailable";

    /// <summary>Its detail: each write is one transaction, so a request cut here stored nothing.</summary>
    public static readonly string ProblemDetail =
        $"The catalog database cannot be reached right now (it may be restarting); nothing of this request was stored. Retry in {RetryAfterSeconds} s.";

    // About as long as PostgreSQL takes to restart: a run waits little longer than the outage.
    private static readonly TimeSpan LongestWait = TimeSpan.FromSeconds(3);

    /// <summary>
    /// A connection that cannot be made or was cut (server shutting down: SQLSTATE class 57P,
    /// connection exceptions: class 08), not an error of the statement itself.
    /// </summary>
    public static bool IsOutage(Exception e) => e switch
    {
        PostgresException p => p.SqlState.StartsWith("57P", StringComparison.Ordinal) || p.SqlState.StartsWith("08", StringComparison.Ordinal),
        NpgsqlException n => n.IsTransient || n.InnerException is SocketException or IOException or TimeoutException,
        _ => e.InnerException is { } inner && IsOutage(inner),
    };

    /// <summary>
    /// Runs <paramref name="action"/> again after each outage, waiting a little longer each time
    /// (up to a few seconds), until it completes or fails for another reason; only
    /// <paramref name="ct"/> ends the waiting. <paramref name="waiting"/> hears of each outage.
    /// </summary>
    /// <remarks>
    /// Only for work that is one transaction and may be repeated: a try cut off by the outage
    /// either committed or left nothing, and the next try must tell the two apart.
    /// </remarks>
    public static async Task<T> WaitOutAsync<T>(Func<CancellationToken, Task<T>> action, TimeProvider time, Action<Exception> waiting, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(action);
        ArgumentNullException.ThrowIfNull(waiting);
        var wait = FirstWait;
        while (true)
        {
            try
            {
                return await action(ct);
            }
            catch (Exception e) when (IsOutage(e) && !ct.IsCancellationRequested)
            {
                waiting(e);
            }

            await Task.Delay(wait, time, ct);
            wait = TimeSpan.FromTicks(Math.Min(wait.Ticks * 2, LongestWait.Ticks));
        }
    }
}
