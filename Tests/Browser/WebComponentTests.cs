using System.Text.Json;
using Ductus.Tests.Infrastructure;

namespace Ductus.Tests.Browser;

/// <summary>
/// The web app's component tests (vitest, web/src/**/*.test.tsx), run as part of the one test
/// command: a failing component test fails this test with its name and message.
/// </summary>
public sealed class WebComponentTests
{
    private static string WebFolder { get; } = Path.Combine(Repository.Root, "web");

    [Fact]
    public async Task The_web_apps_component_tests_pass()
    {
        await ExternalProcess.EnsureNpmPackagesAsync(WebFolder);
        var report = Path.Combine(Path.GetTempPath(), "ductus-vitest-" + Guid.NewGuid().ToString("N")[..10] + ".json");
        try
        {
            var run = await ExternalProcess.RunAsync(WebFolder, "npx",
                ["vitest", "run", "--reporter=json", $"--outputFile={report}"], timeout: TimeSpan.FromMinutes(5));
            Assert.True(File.Exists(report), $"vitest wrote no report: {run}");
            using var json = JsonDocument.Parse(await File.ReadAllTextAsync(report));
            var root = json.RootElement;
            var failures = root.GetProperty("testResults").EnumerateArray()
                .SelectMany(file => file.GetProperty("assertionResults").EnumerateArray()
                    .Where(t => t.GetProperty("status").GetString() == "failed")
                    .Select(t => $"{Path.GetFileName(file.GetProperty("name").GetString())}: {t.GetProperty("fullName").GetString()}: "
                        + string.Join(" | ", t.GetProperty("failureMessages").EnumerateArray().Select(m => m.GetString()?.Split('\n')[0]))))
                .ToList();
            Assert.True(failures.Count == 0, string.Join(Environment.NewLine, failures));
            Assert.True(run.ExitCode == 0, run.ToString());
            // Every page has its component tests; far fewer than this means files went missing.
            Assert.True(root.GetProperty("numPassedTests").GetInt32() >= 20,
                $"only {root.GetProperty("numPassedTests").GetInt32()} component tests ran");
        }
        finally
        {
            File.Delete(report);
        }
    }
}
