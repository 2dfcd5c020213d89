using Ductus.Analytics;
using Ductus.Core;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddLake();
builder.AddNpgsqlDataSource(Resources.Database);
builder.AddRedisClient(Resources.Redis);
builder.Services.AddSingleton<DuckDbEngine>();

var app = builder.Build();
app.MapDefaultEndpoints();

// Internal endpoints: the analytics worker has no external endpoint in the AppHost, only the
// Api reaches it through service discovery.
var engine = app.MapGroup("/internal/engine").AllowAnonymous();
engine.MapGet("/version", async (DuckDbEngine duck, CancellationToken ct) =>
    TypedResults.Ok(new EngineVersion("duckdb", await duck.VersionAsync(ct))));

await app.RunAsync();
