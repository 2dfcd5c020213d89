using Ductus.Core.Query;
using Ductus.Core.Quoting;
using Ductus.Core.Specs;

namespace Ductus.Core.Pii;

/// <summary>What a spec's <c>pii</c>, <c>classification</c> and <c>mask</c> keys must satisfy, and the warnings about columns that look personal.</summary>
public static class PiiSpecRules
{
    /// <summary>The column's own checks (<see cref="SpecValidator"/> calls this for each contract column).</summary>
    public static void ValidateColumn(ColumnContract column, string path, Action<string, string> error)
    {
        ArgumentNullException.ThrowIfNull(column);
        ArgumentNullException.ThrowIfNull(error);
        if (column.Classification is { } classification)
        {
            if (!PiiClassification.IsKnown(classification))
            {
                error($"{path}.classification", $"'{classification}' is not one of: {string.Join(", ", PiiClassification.All)}");
            }
            else if (column.Pii is false)
            {
                error($"{path}.pii", $"is false but the column is classified {classification}; drop one of them");
            }
        }

        if (column.Mask is not { } mask)
        {
            return;
        }

        if (PiiClassification.Of(column) is null)
        {
            error($"{path}.mask", "applies to personal data only: set pii: true or a classification");
        }
        else if (PiiMasks.KindOf(mask) == PiiMaskKind.Expression)
        {
            if (string.IsNullOrWhiteSpace(mask))
            {
                error($"{path}.mask", "must be hash, partial, null or a SQL expression");
            }
            else if (mask.Contains(';', StringComparison.Ordinal))
            {
                error($"{path}.mask", "must be one expression, without ';'");
            }
        }
    }

    /// <summary>
    /// A custom mask runs in the query sandbox over the dataset's columns, so it is held to the
    /// query guard's rules (allowed functions, nothing but the dataset), as the worker holds it again.
    /// </summary>
    public static async Task<IReadOnlyList<SpecError>> CheckExpressionsAsync(PipelineSpec spec, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var errors = new List<SpecError>();
        foreach (var column in spec.Contract?.Columns ?? [])
        {
            if (column.Mask is not { } mask || PiiMasks.KindOf(mask) != PiiMaskKind.Expression || PiiClassification.Of(column) is null
                || mask.Contains(';', StringComparison.Ordinal) || string.IsNullOrWhiteSpace(spec.Target.Dataset))
            {
                continue;
            }

            if (await GuardAsync(mask, column.Name, spec.Target.Dataset, ct) is { } refused)
            {
                errors.Add(new SpecError($"contract.columns.{column.Name}.mask", refused));
            }
        }

        return errors;
    }

    /// <summary>Why the guard refuses <paramref name="expression"/> as a mask of a column of <paramref name="dataset"/>; null when it accepts it.</summary>
    public static async Task<string?> GuardAsync(string expression, string column, string dataset, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(expression);
        var verdict = await SqlGuard.CheckAsync($"SELECT ({expression}) AS {Sql.Ident(column)} FROM {Sql.Ident(dataset)}", [dataset], ct);
        return verdict.Allowed ? null : $"is not an expression the query sandbox accepts: {verdict.Error}";
    }

    /// <summary>
    /// Columns whose names look like personal data (<see cref="PiiClassification.Suggested"/>)
    /// but which the contract does not classify: a warning, never an error, since only the
    /// author knows whether <c>name</c> is a person's.
    /// </summary>
    public static IReadOnlyList<SpecError> Warnings(PipelineSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var warnings = new List<SpecError>();
        var contract = spec.Contract?.Columns ?? [];
        foreach (var column in contract)
        {
            if (column.Pii is null && column.Classification is null && PiiClassification.Suggested(column.Name) is { } suggested)
            {
                warnings.Add(new SpecError($"contract.columns.{column.Name}",
                    $"looks like personal data ({suggested}) but is not classified; add classification: {suggested} (or pii: false if it is not)"));
            }
        }

        foreach (var column in spec.Source.Columns)
        {
            if (!contract.Any(c => string.Equals(c.Name, column.Name, StringComparison.OrdinalIgnoreCase))
                && PiiClassification.Suggested(column.Name) is { } suggested)
            {
                warnings.Add(new SpecError($"source.columns.{column.Name}",
                    $"looks like personal data ({suggested}) but is not classified; add it to contract.columns with classification: {suggested} (or pii: false if it is not)"));
            }
        }

        return warnings;
    }
}
