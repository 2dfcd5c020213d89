using System.Text.RegularExpressions;
using Microsoft.Extensions.Configuration;

namespace Ductus.AppHost.Infrastructure;

/// <summary>How the alert webhooks configured in the AppHost reach the Pipelines service (docs/operations.md, "Webhooks").</summary>
internal static partial class AlertWebhookForwarding
{
    /// <summary>The secret parameter signing the alerts of <c>Ductus:Alerts:WebhookUrl</c>.</summary>
    public const string DefaultSecretParameter = "alert-webhook-secret";

    private const string Section = "Ductus:Alerts";

    /// <summary>
    /// Passes <c>Ductus:Alerts:*</c> from the AppHost's configuration on to Pipelines, except
    /// secrets: each configured webhook's signing key is a secret parameter instead
    /// (<see cref="DefaultSecretParameter"/>, or <c>alert-webhook-secret-&lt;name&gt;</c> for
    /// <c>Webhooks:&lt;name&gt;</c>), generated once and persisted in the AppHost's user secrets like
    /// the admin key, shown in the dashboard's parameter view so the receiver can be given it, and
    /// a deployment input when published. So no secret is ever in a settings file or the repository.
    /// </summary>
    public static IResourceBuilder<ProjectResource> WithAlertWebhooks(this IResourceBuilder<ProjectResource> pipelines, IDistributedApplicationBuilder builder)
    {
        var section = builder.Configuration.GetSection(Section);
        pipelines.WithSettings(builder.Configuration, Section, key => !IsSecret(key));

        if (!string.IsNullOrWhiteSpace(section["WebhookUrl"]))
        {
            pipelines.WithEnvironment("Ductus__Alerts__WebhookSecret", Secret(builder, DefaultSecretParameter));
        }

        foreach (var webhook in section.GetSection("Webhooks").GetChildren().Where(w => !string.IsNullOrWhiteSpace(w["Url"])))
        {
            if (!ParameterName().IsMatch(webhook.Key))
            {
                throw new InvalidOperationException($"{Section}:Webhooks:{webhook.Key}: a webhook name must be lowercase letters, digits and '-', since its secret is the parameter alert-webhook-secret-<name>.");
            }

            pipelines.WithEnvironment($"Ductus__Alerts__Webhooks__{webhook.Key}__Secret", Secret(builder, $"{DefaultSecretParameter}-{webhook.Key}"));
        }

        return pipelines;
    }

    private static bool IsSecret(string key) =>
        key.EndsWith(":WebhookSecret", StringComparison.OrdinalIgnoreCase) || key.EndsWith(":Secret", StringComparison.OrdinalIgnoreCase);

    private static IResourceBuilder<ParameterResource> Secret(IDistributedApplicationBuilder builder, string name) =>
        builder.AddParameter(name, new GenerateParameterDefault { MinLength = 32, Special = false }, secret: true, persist: true);

    [GeneratedRegex("^[a-z0-9][a-z0-9-]{0,40}$")]
    private static partial Regex ParameterName();
}
