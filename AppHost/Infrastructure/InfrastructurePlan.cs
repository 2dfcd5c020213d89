namespace Ductus.AppHost.Infrastructure;

/// <summary>How PostgreSQL and Redis are run for this AppHost.</summary>
public enum InfrastructureMode
{
    /// <summary>Containers through Docker or Podman, with data volumes.</summary>
    Containers,

    /// <summary>The machine's own postgres and redis-server binaries, as executable resources.</summary>
    Local,

    /// <summary>
    /// Managed or otherwise existing services: the operator supplies whole connection strings
    /// (<c>ConnectionStrings:ductus</c>, <c>ConnectionStrings:redis</c>); nothing is run or described.
    /// </summary>
    External,
}

/// <summary>What the operator asked for with <c>Ductus:Infrastructure</c>.</summary>
public enum InfrastructureRequest
{
    Auto,
    Containers,
    Local,
    External,
}

/// <summary>What was found on this machine.</summary>
public sealed record MachineFacts(bool ContainerRuntimeAnswers, LocalBinaries? Binaries, string? ContainerProbeDetail = null);

/// <summary>Paths of the local server binaries, when all of them were found.</summary>
public sealed record LocalBinaries(string Initdb, string Postgres, string RedisServer);

/// <summary>The choice, or the one message that says what to install.</summary>
public sealed record InfrastructurePlan(InfrastructureMode? Mode, string? Error)
{
    public bool IsPossible => Mode is not null;

    /// <summary>
    /// Pure decision, kept apart from the probes so every combination can be tested: containers
    /// win under <c>auto</c> because they are the path Aspire users expect; the local binaries
    /// are the fallback for machines without a container engine.
    /// </summary>
    public static InfrastructurePlan Choose(InfrastructureRequest request, MachineFacts facts)
    {
        ArgumentNullException.ThrowIfNull(facts);
        return request switch
        {
            InfrastructureRequest.Containers when facts.ContainerRuntimeAnswers => new(InfrastructureMode.Containers, null),
            InfrastructureRequest.Containers => new(null,
                "Ductus:Infrastructure is 'containers' but no container runtime answers" +
                (facts.ContainerProbeDetail is null ? "." : $" ({facts.ContainerProbeDetail}).") +
                " Start Docker or Podman, or set Ductus:Infrastructure to 'auto' or 'local'."),
            InfrastructureRequest.External => new(InfrastructureMode.External, null),
            InfrastructureRequest.Local when facts.Binaries is not null => new(InfrastructureMode.Local, null),
            InfrastructureRequest.Local => new(null,
                "Ductus:Infrastructure is 'local' but the PostgreSQL and Redis server binaries were not found. " + InstallHint),
            _ when facts.ContainerRuntimeAnswers => new(InfrastructureMode.Containers, null),
            _ when facts.Binaries is not null => new(InfrastructureMode.Local, null),
            _ => new(null, "Ductus needs PostgreSQL and Redis: no container runtime answers and no local server binaries were found. "
                + "Start Docker or Podman, or " + char.ToLowerInvariant(InstallHint[0]) + InstallHint[1..]),
        };
    }

    /// <summary>
    /// A published manifest describes the deployment target, never this machine: PostgreSQL and
    /// Redis as containers, unless the operator asked for managed (external) services.
    /// </summary>
    public static InfrastructurePlan ForPublishing(InfrastructureRequest request) =>
        new(request == InfrastructureRequest.External ? InfrastructureMode.External : InfrastructureMode.Containers, null);

    /// <summary>Only these requests need to know whether a container engine answers.</summary>
    public static bool NeedsContainerProbe(InfrastructureRequest request) =>
        request is InfrastructureRequest.Auto or InfrastructureRequest.Containers;

    public const string InstallHint =
        "Install the server packages (Debian/Ubuntu: 'apt-get install postgresql redis-server'; macOS: 'brew install postgresql@15 redis') so that initdb, postgres and redis-server are on PATH or under /usr/lib/postgresql/<version>/bin.";

    public static InfrastructureRequest ParseRequest(string? value) => value?.Trim().ToLowerInvariant() switch
    {
        null or "" or "auto" => InfrastructureRequest.Auto,
        "containers" or "container" or "docker" => InfrastructureRequest.Containers,
        "local" or "binaries" => InfrastructureRequest.Local,
        "external" or "managed" => InfrastructureRequest.External,
        _ => throw new ArgumentException(
            $"Ductus:Infrastructure must be 'external' for managed services, else 'auto', 'containers' or 'local', not '{value}'.", nameof(value)),
    };
}
