using Ductus.Core;
using Ductus.Core.Migrations;
using Ductus.Pipelines.Alerts;
using Quartz;

namespace Ductus.Pipelines.Scheduling;

public static class QuartzSetup
{
    /// <summary>
    /// One clustered scheduler over the job store the migrator created: any Pipelines replica can
    /// fire a pipeline, and a run on a replica that dies is recovered by another.
    /// </summary>
    public static IHostApplicationBuilder AddClusteredQuartz(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);

        // Quartz's own tables are not workspace data, so the scheduler uses the login as configured
        // rather than the row-level-security role.
        var connection = builder.Configuration.GetConnectionString(Resources.Database)
            ?? throw new InvalidOperationException($"ConnectionStrings:{Resources.Database} is not set.");

        // Quartz is configured before the container exists, so its timings are read here; the
        // validator still checks them at start.
        var timings = builder.Configuration.GetSection(PipelinesOptions.Section).Get<PipelinesOptions>() ?? new PipelinesOptions();
        var retention = builder.Configuration.GetSection(RetentionOptions.Section).Get<RetentionOptions>() ?? new RetentionOptions();
        var alerts = builder.Configuration.GetSection(AlertOptions.Section).Get<AlertOptions>() ?? new AlertOptions();
        builder.Services.AddQuartz(quartz =>
        {
            quartz.ConfigureScheduler(scheduler =>
            {
                scheduler.InstanceName = "ductus";
                scheduler.GenerateInstanceId = true;
            });
            quartz.UsePersistentStore(store =>
            {
                store.UsePostgres(connection);
                store.ConfigureStore(options =>
                {
                    options.TablePrefix = MigrationCatalog.QuartzTablePrefix;
                    options.MisfireThreshold = timings.MisfireThreshold;
                });
                store.UseClustering(cluster =>
                {
                    cluster.CheckinInterval = timings.ClusterCheckinInterval;
                    cluster.CheckinMisfireThreshold = timings.ClusterCheckinMisfireThreshold;
                });
            });

            if (retention.Enabled)
            {
                // Stored in the shared job store: one node of the cluster runs it per interval.
                quartz.ScheduleJob<RetentionJob>(
                    trigger => trigger.WithIdentity("retention", RetentionJob.Key.Group).StartNow()
                        .WithSimpleSchedule(s => s.WithInterval(retention.Interval).RepeatForever().WithMisfireInstruction(SimpleTriggerMisfireInstruction.NextWithRemainingCount)),
                    job => job.WithIdentity(RetentionJob.Key));
            }

            if (alerts.FreshnessEnabled)
            {
                // Clustered like retention: one node checks per interval, so a breach is seen once.
                quartz.ScheduleJob<FreshnessJob>(
                    trigger => trigger.WithIdentity("freshness", FreshnessJob.Key.Group).StartNow()
                        .WithSimpleSchedule(s => s.WithInterval(alerts.FreshnessInterval).RepeatForever().WithMisfireInstruction(SimpleTriggerMisfireInstruction.NextWithRemainingCount)),
                    job => job.WithIdentity(FreshnessJob.Key));
            }
        });

        // Shutdown does not wait for a run: nothing of it is visible before its commit, and the job
        // requests recovery, so the next node (or this one after a restart) takes the run over.
        builder.Services.AddQuartzHostedService(options => options.WaitForJobsToComplete = false);
        return builder;
    }
}
