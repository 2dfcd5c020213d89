using System.Text.Json;
using DuckDB.NET.Data;
using Ductus.Api.Pii;
using Ductus.Core.Catalog;
using Ductus.Core.Pii;

namespace Ductus.Tests.Unit.Pii;

/// <summary>The masks the query engine applies in SQL and the Api applies to rejects must agree value for value.</summary>
public sealed class PiiMaskTests
{
    private const string Salt = "0123456789abcdef0123456789abcdef";

    [Theory]
    [InlineData(PiiClassification.Email, "hash", "alice@example.com")]
    [InlineData(PiiClassification.Email, "partial", "alice@example.com")]
    [InlineData(PiiClassification.Email, "partial", "no-at-sign")]
    [InlineData(PiiClassification.Phone, "partial", "+49 170 1234567")]
    [InlineData(PiiClassification.Phone, "partial", "1234")]
    [InlineData(PiiClassification.Iban, "partial", "DE89370400440532013000")]
    [InlineData(PiiClassification.Name, "partial", "Zoë Ünal")]
    [InlineData(PiiClassification.Name, "partial", "")]
    [InlineData(PiiClassification.Other, "null", "anything")]
    [InlineData(PiiClassification.Other, "hash", null)]
    [InlineData(PiiClassification.Name, "partial", null)]
    public async Task The_engine_and_the_api_mask_a_value_alike(string classification, string mask, string? value)
    {
        var column = new PiiColumn("v", classification, mask);
        await using var duck = new DuckDBConnection("Data Source=:memory:");
        await duck.OpenAsync();
        await using var command = duck.CreateCommand();
        command.CommandText = $"SELECT {PiiMasks.Sql(column, Salt)} FROM (SELECT $v::VARCHAR AS v)";
        command.Parameters.Add(new DuckDBParameter("v", value));

        var engine = await command.ExecuteScalarAsync();

        Assert.Equal(engine is DBNull ? null : (string?)engine, new PiiValueMask(Salt, [column]).Value(column, value));
    }

    [Fact]
    public void A_view_masks_only_the_columns_its_files_have()
    {
        var projection = PiiMasks.Projection([new("email", PiiClassification.Email, "hash"), new("gone", PiiClassification.Name, "null")], ["id", "EMAIL"], Salt);

        Assert.Equal($"* REPLACE (sha256('{Salt}' || CAST(\"email\" AS VARCHAR)) AS \"email\")", projection);
        Assert.Null(PiiMasks.Projection([new("gone", PiiClassification.Name, "null")], ["id"], Salt));
    }

    [Fact]
    public void A_reject_has_its_values_and_the_text_quoting_them_masked()
    {
        var mask = new PiiValueMask(Salt, [new("email", PiiClassification.Email, "partial"), new("name", PiiClassification.Name, "null")]);
        var reject = new StoredReject(1, Guid.NewGuid(), "p", "d", 3, ["email.pattern"], "email 'bob@x.org' does not match pattern @x.com",
            """{"id":3,"email":"bob@x.org","name":"Bob"}""", "3,bob@x.org,Bob", DateTimeOffset.UnixEpoch);
        var parse = reject with { ValuesJson = null, RawText = "3,\"bob@x.org", Message = "line 3: unterminated quote near 'bob@x.org'" };

        var shown = mask.Reject(reject);
        var unparsed = mask.Reject(parse);

        Assert.Equal("""{"id":3,"email":"b***@x.org","name":null}""", shown.ValuesJson);
        Assert.Equal("3,b***@x.org,NULL", shown.RawText);
        Assert.Equal("email 'b***@x.org' does not match pattern @x.com", shown.Message);
        Assert.Null(unparsed.RawText);
        Assert.Equal("line 3: unterminated quote near '***'", unparsed.Message);
        Assert.Same(reject, PiiValueMask.None.Reject(reject));
        Assert.Equal(JsonValueKind.Null, JsonDocument.Parse(mask.ValuesJson("null")!).RootElement.ValueKind);
    }
}
