using System.Text.Json;
using Ductus.Core.Pii;
using Ductus.Core.Specs;

namespace Ductus.Tests.Unit.Pii;

public sealed class PiiSpecTests
{
    private const string Spec = """
        name: customers
        source:
          kind: ingest
          columns: { id: integer, email: varchar, phone: varchar, full_name: varchar, city: varchar, ip_address: varchar }
        contract:
          columns:
            id: { type: integer }
            email: { type: varchar, classification: pii.email }
            phone: { type: varchar, pii: true, mask: partial }
            full_name: { type: varchar, classification: pii.name, mask: null }
            city: { type: varchar, pii: false }
        target: { dataset: customers }
        """;

    private static ColumnContract Column(PipelineSpec spec, string name) => spec.Contract!.Columns.Single(c => c.Name == name);

    [Fact]
    public void Pii_keys_parse_with_their_defaults_and_mask_null_is_a_mask()
    {
        var parsed = SpecParser.ParseYaml(Spec);

        Assert.Empty(parsed.Errors);
        var spec = parsed.Spec!;
        Assert.Equal(PiiClassification.Email, PiiClassification.Of(Column(spec, "email")));
        Assert.Null(Column(spec, "email").Mask);
        Assert.Equal(PiiClassification.Other, PiiClassification.Of(Column(spec, "phone")));
        Assert.Equal("partial", Column(spec, "phone").Mask);
        Assert.Equal("null", Column(spec, "full_name").Mask);
        Assert.Null(PiiClassification.Of(Column(spec, "city")));
        Assert.False(Column(spec, "city").Pii);
        Assert.Null(PiiClassification.Of(Column(spec, "id")));
    }

    [Fact]
    public void The_writer_keeps_pii_keys_so_a_saved_spec_reads_back_the_same()
    {
        var spec = SpecParser.ParseYaml(Spec).Spec!;

        var json = SpecWriter.ToJson(spec);
        var again = SpecParser.ParseJson(json);

        Assert.Empty(again.Errors);
        var columns = JsonDocument.Parse(json).RootElement.GetProperty("contract").GetProperty("columns");
        Assert.Equal("pii.email", columns.GetProperty("email").GetProperty("classification").GetString());
        Assert.Equal("null", columns.GetProperty("full_name").GetProperty("mask").GetString());
        Assert.False(columns.GetProperty("city").GetProperty("pii").GetBoolean());
        Assert.Equal(spec.Contract!.Columns, again.Spec!.Contract!.Columns);
    }

    [Fact]
    public void Unknown_classes_contradictions_and_masks_of_plain_columns_are_errors()
    {
        var errors = SpecValidator.ValidateYaml("""
            name: bad
            source: { kind: ingest }
            contract:
              columns:
                a: { classification: pii.shoe_size }
                b: { classification: pii.email, pii: false }
                c: { mask: partial }
                d: { pii: true, mask: "upper(d); SELECT 1" }
            target: { dataset: bad }
            """, new SourceRoots(Path.GetTempPath()));

        Assert.Equal(
            [
                "contract.columns.a.classification: 'pii.shoe_size' is not one of: pii.email, pii.name, pii.phone, pii.address, pii.birthdate, pii.iban, pii.ip, pii.other",
                "contract.columns.b.pii: is false but the column is classified pii.email; drop one of them",
                "contract.columns.c.mask: applies to personal data only: set pii: true or a classification",
                "contract.columns.d.mask: must be one expression, without ';'",
            ],
            errors.Select(e => e.ToString()));
    }

    [Fact]
    public async Task A_custom_mask_must_pass_the_query_guard()
    {
        var spec = SpecParser.ParseYaml("""
            name: masks
            source: { kind: ingest }
            contract:
              columns:
                ok: { pii: true, mask: "left(ok, 2) || '…'" }
                sneaky: { pii: true, mask: "(SELECT content FROM read_text('/etc/passwd'))" }
            target: { dataset: masks }
            """).Spec!;

        var errors = await PiiSpecRules.CheckExpressionsAsync(spec);

        var error = Assert.Single(errors);
        Assert.Equal("contract.columns.sneaky.mask", error.Path);
        Assert.StartsWith("is not an expression the query sandbox accepts: ", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Columns_that_look_personal_without_a_classification_are_warned_about_not_refused()
    {
        var spec = SpecParser.ParseYaml("""
            name: people
            source:
              kind: ingest
              columns: { id: integer, email: varchar, date_of_birth: date, product_name: varchar, filename: varchar }
            contract:
              columns:
                email: { type: varchar }
                Mobile_Phone: { type: varchar }
                name: { type: varchar, pii: false }
                customer_iban: { type: varchar, classification: pii.iban }
            target: { dataset: people }
            """).Spec!;

        Assert.Empty(SpecValidator.Validate(spec, new SourceRoots(Path.GetTempPath())));
        var warnings = PiiSpecRules.Warnings(spec);

        Assert.Equal(["contract.columns.email", "contract.columns.Mobile_Phone", "source.columns.date_of_birth"], warnings.Select(w => w.Path));
        Assert.Equal("looks like personal data (pii.email) but is not classified; add classification: pii.email (or pii: false if it is not)", warnings[0].Message);
        Assert.Contains("(pii.phone)", warnings[1].Message, StringComparison.Ordinal);
        Assert.Contains("(pii.birthdate)", warnings[2].Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("email", PiiClassification.Email)]
    [InlineData("customer_e_mail", PiiClassification.Email)]
    [InlineData("phone_number", PiiClassification.Phone)]
    [InlineData("iban", PiiClassification.Iban)]
    [InlineData("birthdate", PiiClassification.BirthDate)]
    [InlineData("client_ip", PiiClassification.Ip)]
    [InlineData("street_address", PiiClassification.Address)]
    [InlineData("last_name", PiiClassification.Name)]
    [InlineData("name", PiiClassification.Name)]
    [InlineData("dataset_name", null)]
    [InlineData("username", null)]
    [InlineData("zipper_count", null)]
    [InlineData("tip", null)]
    public void Names_suggest_classes_by_whole_words(string column, string? expected) =>
        Assert.Equal(expected, PiiClassification.Suggested(column));
}
