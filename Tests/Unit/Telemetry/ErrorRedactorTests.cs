using Ductus.Core.Telemetry;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;

namespace Ductus.Tests.Unit.Telemetry;

public sealed class ErrorRedactorTests
{
    private static readonly ErrorRedactor Redactor = new(["/var/lib/ductus/lake", "/srv/data/"], ["postgres", "analytics.internal"]);

    [Theory]
    // DuckDB quotes the files it could not read: shown relative to the lake, as workspace/dataset/file.
    [InlineData(
        "IO Error: No files found that match the pattern \"/var/lib/ductus/lake/acme/flights/0193.parquet\"",
        "IO Error: No files found that match the pattern \"acme/flights/0193.parquet\"")]
    [InlineData(
        "Invalid Input Error: File '/srv/data/vega/flights.parquet' too small to be a Parquet file",
        "Invalid Input Error: File 'vega/flights.parquet' too small to be a Parquet file")]
    // Anything else absolute: quoted or not, with the sentence's full stop kept.
    [InlineData("Cannot open file \"/tmp/ductus-run-4f/api.ndjson\": No such file or directory", "Cannot open file \"<path>\": No such file or directory")]
    [InlineData("Could not find a part of the path /home/ductus/.aspnet/keys.", "Could not find a part of the path <path>.")]
    [InlineData("Access to the path '/etc/shadow' is denied.", "Access to the path '<path>' is denied.")]
    // A root's sibling with the same prefix is not under it.
    [InlineData("read /var/lib/ductus/lake-old/x.parquet failed", "read <path> failed")]
    public void Absolute_paths_become_relative_to_their_root_or_a_placeholder(string text, string expected)
    {
        Assert.Equal(expected, Redactor.Redact(text));
    }

    [Theory]
    [InlineData("source.url: Refused to connect: api.example.com resolves to 10.1.2.3, a private address",
        "source.url: Refused to connect: api.example.com resolves to <address>, a private address")]
    [InlineData("Connection refused (127.0.0.1:5432)", "Connection refused (<address>)")]
    [InlineData("Connection refused ([::1]:6379)", "Connection refused (<address>)")]
    [InlineData("no route to fd00:ec2::254 from here", "no route to <address> from here")]
    [InlineData("GET http://10.0.0.5:8080/v1/items answered 503", "GET http://<address>/v1/items answered 503")]
    [InlineData("Failed to connect to postgres:5432", "Failed to connect to <address>")]
    [InlineData("Name or service not known (analytics.internal:80)", "Name or service not known (<address>)")]
    [InlineData("POST http://analytics.internal/internal/query failed", "POST http://<address>/internal/query failed")]
    [InlineData("Connection refused (localhost:41213)", "Connection refused (<address>)")]
    public void Addresses_and_internal_host_names_become_a_placeholder(string text, string expected)
    {
        Assert.Equal(expected, Redactor.Redact(text));
    }

    [Theory]
    // What users write and need to read back stays as it is.
    [InlineData("policy fail: 4 of 8 rows broke the contract")]
    [InlineData("source.path: file not found")]
    [InlineData("a postgres source needs a connection")]
    [InlineData("GET https://api.example.com/v1/items?page=2 answered 503")]
    [InlineData("Conversion Error: Could not convert string 'abc' to INT32 at 12:30:45")]
    [InlineData("Binder Error: Referenced column \"dealy\" not found; did you mean x::INTEGER or delay?")]
    [InlineData("timed out after 2s")]
    [InlineData("delay and/or distance must be set")]
    [InlineData("dataset 'flights' has no version 42")]
    public void Ordinary_error_texts_are_left_alone(string text)
    {
        Assert.Equal(text, Redactor.Redact(text));
    }

    [Fact]
    public void Host_names_come_from_the_connection_strings_and_service_discovery_of_the_process()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ConnectionStrings:ductus"] = "Host=pg-primary.svc;Port=5432;Username=ductus;Password=s3cret,with,commas",
            ["ConnectionStrings:redis"] = "cache-0.svc:6379,password=x,abortConnect=false",
            ["services:analytics:http:0"] = "http://analytics-7f9c:8080",
            ["Ductus:Lake:Root"] = "/data/lake",
        }).Build();

        var redactor = ErrorRedaction.Create(configuration);

        Assert.Equal(
            "<address> timed out; <address> refused; GET http://<address>/internal/query; with,commas stays; acme/ds/f.parquet",
            redactor.Redact("pg-primary.svc:5432 timed out; cache-0.svc:6379 refused; GET http://analytics-7f9c:8080/internal/query; with,commas stays; /data/lake/acme/ds/f.parquet"));
    }
}
