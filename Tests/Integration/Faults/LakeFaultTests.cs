using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Aspire.Hosting.Testing;
using Ductus.Core;
using Ductus.Core.Catalog;
using Ductus.Tests.Infrastructure;
using Ductus.Tests.Integration.Ingest;
using Ductus.Tests.Integration.Query;

namespace Ductus.Tests.Integration.Faults;

/// <summary>The lake rows of the fault matrix: a full disk under a run, damaged files under a committed snapshot.</summary>
[Collection(FaultStackDefinition.Name)]
public sealed class LakeFaultTests(FaultStackFixture stack)
{
    [Fact]
    public async Task A_full_lake_fails_the_run_clearly_leaves_no_files_and_the_next_run_after_freeing_space_succeeds()
    {
        var dataset = ApiLake.NewDatasetName();
        await ApiLake.LoadCsvAsync(stack, dataset, CsvPipeline.Rows(100));
        var folder = Path.Combine(stack.LakeRoot, "default", dataset);
        var filesBefore = Directory.GetFiles(folder).Order(StringComparer.Ordinal).ToList();
        using var analyst = await stack.ClientForRoleAsync("analyst");

        var ballast = Path.Combine(stack.LakeRoot, $"ballast-{Guid.NewGuid():N}");
        try
        {
            // Really allocated (not a sparse file), leaving a few KB: far less than the run's Parquet file.
            var free = new DriveInfo(stack.LakeRoot).AvailableFreeSpace;
            await using (new FileStream(ballast, new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, PreallocationSize = free - 8192 }))
            {
            }

            var failed = await ApiLake.RunCsvAsync(stack, dataset, CsvPipeline.Rows(50_000));

            Assert.Equal(RunStatus.Failed, failed.Status);
            Assert.Equal("load", failed.ErrorStep);
            Assert.Contains("No space left on device", failed.Error, StringComparison.Ordinal);
            Assert.Equal(filesBefore, Directory.GetFiles(folder).Order(StringComparer.Ordinal));
            var unchanged = await IngestTestKit.QueryAsync(analyst, $"SELECT count(*) FROM {dataset}");
            Assert.Equal(100, unchanged[0][0].GetInt64());
        }
        finally
        {
            File.Delete(ballast);
        }

        var next = await ApiLake.RunCsvAsync(stack, dataset, CsvPipeline.Rows(50_000));
        Assert.True(next.Status == RunStatus.Succeeded, $"the run after freeing space: {next.Status} in {next.ErrorStep}: {next.Error}");
        var rows = await IngestTestKit.QueryAsync(analyst, $"SELECT count(*) FROM {dataset}");
        Assert.Equal(50_100, rows[0][0].GetInt64());
    }

    [Theory]
    [InlineData("corrupted")]
    [InlineData("deleted")]
    public async Task A_damaged_parquet_file_is_named_with_its_dataset_health_reports_it_and_other_datasets_answer(string damage)
    {
        var damaged = ApiLake.NewDatasetName();
        var intact = ApiLake.NewDatasetName();
        await ApiLake.LoadCsvAsync(stack, damaged, CsvPipeline.Rows(10));
        await ApiLake.LoadCsvAsync(stack, intact, CsvPipeline.Rows(7));
        var file = Directory.GetFiles(Path.Combine(stack.LakeRoot, "default", damaged)).Single();
        var original = await File.ReadAllBytesAsync(file);
        using var analyst = await stack.ClientForRoleAsync("analyst");
        using var worker = stack.App.CreateHttpClient(Resources.Analytics);

        if (damage == "corrupted")
        {
            await File.WriteAllBytesAsync(file, [.. Enumerable.Repeat((byte)0x5A, original.Length)]);
        }
        else
        {
            File.Delete(file);
        }

        try
        {
            using var response = await analyst.PostAsJsonAsync(new Uri("/api/query", UriKind.Relative), new { sql = $"SELECT count(*) FROM {damaged}" });
            var body = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.InternalServerError, $"{(int)response.StatusCode}: {body}");
            var detail = JsonDocument.Parse(body).RootElement.GetProperty("detail").GetString()!;
            Assert.Contains($"dataset {damaged}", detail, StringComparison.Ordinal);
            Assert.Contains($"default/{damaged}/{Path.GetFileName(file)}", detail, StringComparison.Ordinal);
            Assert.DoesNotContain(stack.DataDirectory, detail, StringComparison.Ordinal);

            // The worker's health says so until the dataset reads again; other datasets answer meanwhile.
            Assert.Equal("Degraded", await worker.GetStringAsync(new Uri("/health", UriKind.Relative)));
            var other = await IngestTestKit.QueryAsync(analyst, $"SELECT count(*) FROM {intact}");
            Assert.Equal(7, other[0][0].GetInt64());
            Assert.Equal("Degraded", await worker.GetStringAsync(new Uri("/health", UriKind.Relative)));
        }
        finally
        {
            await File.WriteAllBytesAsync(file, original);
        }

        var repaired = await IngestTestKit.QueryAsync(analyst, $"SELECT count(*) FROM {damaged}");
        Assert.Equal(10, repaired[0][0].GetInt64());
        Assert.Equal("Healthy", await worker.GetStringAsync(new Uri("/health", UriKind.Relative)));
    }
}
