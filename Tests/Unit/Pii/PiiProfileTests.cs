using Ductus.Api.Pii;
using Ductus.Core.Catalog;
using Ductus.Core.Pii;
using Ductus.Core.Specs;

namespace Ductus.Tests.Unit.Pii;

/// <summary>Which columns are PII: classified in a contract, or made from one through a model, unless the spec says otherwise.</summary>
public sealed class PiiProfileTests
{
    private static PipelineRecord Pipeline(string yaml, params string[] inputs)
    {
        var spec = SpecParser.ParseYaml(yaml).Spec!;
        return new PipelineRecord(spec.Name, SpecWriter.ToJson(spec), yaml, "yaml", 1, null, spec.Target.Dataset, true, DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch)
        {
            Inputs = inputs,
        };
    }

    private static readonly PipelineRecord Customers = Pipeline("""
        name: customers
        source: { kind: ingest, columns: { id: integer, email: varchar, phone: varchar, city: varchar } }
        contract:
          columns:
            id: { type: integer }
            email: { type: varchar, classification: pii.email }
            phone: { type: varchar, pii: true, mask: "left(phone, 3) || '…'" }
            city: { type: varchar }
        target: { dataset: customers }
        """);

    [Fact]
    public void Contract_columns_are_pii_with_their_class_and_mask_defaulting_to_hash()
    {
        var profile = new PiiProfile([Customers], []);

        Assert.Equal(
            [new PiiColumn("email", PiiClassification.Email, "hash"), new PiiColumn("phone", PiiClassification.Other, "left(phone, 3) || '…'")],
            profile.Of("customers").OrderBy(c => c.Column, StringComparer.Ordinal));
        Assert.Empty(profile.Of("nothing_writes_this"));
    }

    [Fact]
    public void Model_columns_made_from_pii_stay_pii_through_renames_expressions_and_models_of_models()
    {
        var contacts = Pipeline("""
            name: contacts
            source: { sql: "SELECT lower(email) AS contact, phone AS tel, city, id FROM customers" }
            target: { dataset: contacts, mode: replace }
            """, "customers");
        var rollup = Pipeline("""
            name: rollup
            source: { sql: "SELECT contact, count(*) AS n, city FROM contacts GROUP BY contact, city" }
            target: { dataset: rollup, mode: replace }
            """, "contacts");

        var profile = new PiiProfile([Customers, contacts, rollup], []);

        Assert.Equal(
            [new PiiColumn("contact", PiiClassification.Email, "hash"), new PiiColumn("tel", PiiClassification.Other, "hash")],
            profile.Of("contacts").OrderBy(c => c.Column, StringComparer.Ordinal));
        Assert.Equal([new PiiColumn("contact", PiiClassification.Email, "hash")], profile.Of("rollup"));
    }

    [Fact]
    public void A_model_contract_can_declare_a_derived_column_not_pii_or_reclassify_it()
    {
        var model = Pipeline("""
            name: domains
            source: { sql: "SELECT split_part(email, '@', 2) AS domain, email AS address FROM customers" }
            contract:
              columns:
                domain: { pii: false }
                address: { classification: pii.email, mask: partial }
            target: { dataset: domains, mode: replace }
            """, "customers");

        var profile = new PiiProfile([Customers, model], []);

        Assert.Equal([new PiiColumn("address", PiiClassification.Email, "partial")], profile.Of("domains"));
    }
}
