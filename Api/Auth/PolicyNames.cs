using Ductus.Core.Auth;
using Microsoft.AspNetCore.Authorization;

namespace Ductus.Api.Auth;

/// <summary>
/// One named policy per role; every endpoint declares one of them. Roles nest where the work
/// does: an engineer may also read like an analyst and push like an ingest client, and an admin
/// may do everything. An ingest or analyst client stays confined to its own work.
/// </summary>
public static class PolicyNames
{
    public const string Admin = Roles.Admin;
    public const string Engineer = Roles.Engineer;
    public const string Analyst = Roles.Analyst;
    public const string Ingest = Roles.Ingest;

    public static IReadOnlyDictionary<string, string[]> RolesPerPolicy { get; } = new Dictionary<string, string[]>
    {
        [Admin] = [Roles.Admin],
        [Engineer] = [Roles.Engineer, Roles.Admin],
        [Analyst] = [Roles.Analyst, Roles.Engineer, Roles.Admin],
        [Ingest] = [Roles.Ingest, Roles.Engineer, Roles.Admin],
    };

    public static void AddDuctusPolicies(this AuthorizationOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        foreach (var (policy, roles) in RolesPerPolicy)
        {
            options.AddPolicy(policy, p => p.RequireAuthenticatedUser().RequireRole(roles));
        }
    }
}
