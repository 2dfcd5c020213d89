using Ductus.AppHost.Infrastructure;

namespace Ductus.Tests.Unit;

public sealed class InfrastructurePlanTests
{
    private static readonly LocalBinaries Binaries = new("/usr/lib/postgresql/15/bin/initdb", "/usr/lib/postgresql/15/bin/postgres", "/usr/bin/redis-server");

    [Fact]
    public void Auto_prefers_containers_when_a_runtime_answers()
    {
        var plan = InfrastructurePlan.Choose(InfrastructureRequest.Auto, new MachineFacts(true, Binaries));
        Assert.Equal(InfrastructureMode.Containers, plan.Mode);
        Assert.Null(plan.Error);
    }

    [Fact]
    public void Auto_falls_back_to_local_binaries_without_a_runtime()
    {
        var plan = InfrastructurePlan.Choose(InfrastructureRequest.Auto, new MachineFacts(false, Binaries));
        Assert.Equal(InfrastructureMode.Local, plan.Mode);
    }

    [Fact]
    public void Auto_with_nothing_available_says_what_to_install()
    {
        var plan = InfrastructurePlan.Choose(InfrastructureRequest.Auto, new MachineFacts(false, null));
        Assert.False(plan.IsPossible);
        Assert.Contains("apt-get install postgresql redis-server", plan.Error, StringComparison.Ordinal);
        Assert.Contains("Docker", plan.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Forced_local_is_honoured_even_when_containers_answer()
    {
        var plan = InfrastructurePlan.Choose(InfrastructureRequest.Local, new MachineFacts(true, Binaries));
        Assert.Equal(InfrastructureMode.Local, plan.Mode);
    }

    [Fact]
    public void Forced_local_without_binaries_fails_with_the_install_hint()
    {
        var plan = InfrastructurePlan.Choose(InfrastructureRequest.Local, new MachineFacts(true, null));
        Assert.False(plan.IsPossible);
        Assert.StartsWith("Ductus:Infrastructure is 'local'", plan.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Forced_containers_without_a_runtime_fails_and_names_the_probe_result()
    {
        var plan = InfrastructurePlan.Choose(InfrastructureRequest.Containers, new MachineFacts(false, Binaries, "'docker info' failed: Cannot connect"));
        Assert.False(plan.IsPossible);
        Assert.Contains("'docker info' failed: Cannot connect", plan.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Forced_containers_with_a_runtime_uses_containers()
    {
        var plan = InfrastructurePlan.Choose(InfrastructureRequest.Containers, new MachineFacts(true, null));
        Assert.Equal(InfrastructureMode.Containers, plan.Mode);
    }

    [Fact]
    public void External_is_honoured_without_a_runtime_or_binaries()
    {
        var plan = InfrastructurePlan.Choose(InfrastructureRequest.External, new MachineFacts(false, null));
        Assert.Equal(InfrastructureMode.External, plan.Mode);
        Assert.False(InfrastructurePlan.NeedsContainerProbe(InfrastructureRequest.External));
    }

    [Theory]
    [InlineData(InfrastructureRequest.Auto, InfrastructureMode.Containers)]
    [InlineData(InfrastructureRequest.Local, InfrastructureMode.Containers)]
    [InlineData(InfrastructureRequest.Containers, InfrastructureMode.Containers)]
    [InlineData(InfrastructureRequest.External, InfrastructureMode.External)]
    public void A_published_manifest_describes_containers_unless_external_services_are_asked_for(InfrastructureRequest request, InfrastructureMode expected) =>
        Assert.Equal(expected, InfrastructurePlan.ForPublishing(request).Mode);

    [Theory]
    [InlineData(null, InfrastructureRequest.Auto)]
    [InlineData("", InfrastructureRequest.Auto)]
    [InlineData("AUTO", InfrastructureRequest.Auto)]
    [InlineData("containers", InfrastructureRequest.Containers)]
    [InlineData("docker", InfrastructureRequest.Containers)]
    [InlineData(" Local ", InfrastructureRequest.Local)]
    [InlineData("external", InfrastructureRequest.External)]
    [InlineData("Managed", InfrastructureRequest.External)]
    public void Requests_parse_case_insensitively(string? value, InfrastructureRequest expected) =>
        Assert.Equal(expected, InfrastructurePlan.ParseRequest(value));

    [Fact]
    public void An_unknown_request_names_the_accepted_values()
    {
        var error = Assert.Throws<ArgumentException>(() => InfrastructurePlan.ParseRequest("kubernetes"));
        Assert.Contains("'auto', 'containers' or 'local', not 'kubernetes'", error.Message, StringComparison.Ordinal);
        Assert.Contains("'external' for managed services", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Local_binaries_are_found_in_the_debian_server_folder_or_on_path()
    {
        var found = MachineProbe.FindLocalBinaries(Environment.GetEnvironmentVariable("PATH"));
        Assert.NotNull(found);
        Assert.EndsWith("postgres", found.Postgres, StringComparison.Ordinal);
        Assert.True(File.Exists(found.Initdb));
        Assert.True(File.Exists(found.RedisServer));
    }

    [Fact]
    public void No_binaries_are_found_when_redis_is_not_on_the_path()
    {
        // The Debian server folder is searched whatever PATH says, but redis-server only on PATH.
        Assert.Null(MachineProbe.FindLocalBinaries(string.Empty));
    }

    [Fact]
    public void A_cluster_under_a_closed_folder_moves_where_the_postgres_user_can_reach_it()
    {
        var closed = Directory.CreateTempSubdirectory("ductus-closed-");
        try
        {
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(closed.FullName, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            }

            var dir = DuctusInfrastructureExtensions.PostgresDataDirectory(closed.FullName, asRoot: true);
            Assert.StartsWith("/var/lib/ductus/", dir, StringComparison.Ordinal);
            Assert.Equal(dir, DuctusInfrastructureExtensions.PostgresDataDirectory(closed.FullName, asRoot: true));
            Assert.Equal(Path.Combine(closed.FullName, "pgdata"), DuctusInfrastructureExtensions.PostgresDataDirectory(closed.FullName, asRoot: false));
        }
        finally
        {
            closed.Delete(recursive: true);
        }
    }
}
