using Ductus.Analytics;
using Ductus.Core;
using Ductus.Core.Catalog;
using Ductus.Core.Query;
using Microsoft.Extensions.Options;
using Npgsql;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddLake();
// The catalog is read as ductus_app so row-level security holds even on a superuser login.
builder.AddNpgsqlDataSource(Resources.Database, settings =>
{
    if (settings.ConnectionString is { } connectionString)
    {
        settings.ConnectionString = CatalogRole.Adopt(connectionString);
    }
});
builder.AddDuctusRedis(Resources.Redis);
builder.Services.AddSingleton<DuckDbEngine>();
builder.Services.AddSingleton(TimeProvider.System);
builder.Services.AddSingleton(sp => new CatalogStore(sp.GetRequiredService<NpgsqlDataSource>(), sp.GetRequiredService<TimeProvider>(), sp.GetService<ICatalogVersions>()));
builder.Services.AddOptions<QueryOptions>()
    .Bind(builder.Configuration.GetSection(QueryOptions.Section))
    .ValidateOnStart();
builder.Services.AddSingleton<IValidateOptions<QueryOptions>, QueryOptionsValidator>();
builder.Services.AddSingleton<SandboxPool>();
builder.Services.AddSingleton<QueryEngine>();
builder.Services.AddProblemDetails();
builder.AddServiceTokenAuthentication();

var app = builder.Build();
app.UseAuthentication();
app.UseAuthorization();
app.MapDefaultEndpoints();

// Internal endpoints: the analytics worker has no external endpoint in the AppHost, only the
// Api reaches it through service discovery, and each call carries the Api's service token.
var engine = app.MapGroup("/internal/engine").RequireAuthorization();
engine.MapGet("/version", async (DuckDbEngine duck, CancellationToken ct) =>
    TypedResults.Ok(new EngineVersion("duckdb", await duck.VersionAsync(ct), System.Diagnostics.Activity.Current?.TraceId.ToString())));

app.MapQueryEndpoint();

await app.RunAsync();
