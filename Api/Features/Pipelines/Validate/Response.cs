namespace Ductus.Api.Features.Pipelines.Validate;

/// <summary>
/// What saving the spec would do. <see cref="Valid"/> is only ever true: an invalid spec is
/// answered with a 400 problem listing its errors.
/// </summary>
/// <param name="Inputs">For a model: the datasets it reads (an empty list for other pipelines).</param>
/// <param name="Downstream">
/// The models that read the spec's target dataset, directly or through other models, nearest
/// first: what a run of this pipeline, once saved, would go on to change.
/// </param>
/// <param name="Warnings">What the spec should still look at, e.g. columns that look like personal data but are not classified; never an error.</param>
public sealed record Response(bool Valid, IReadOnlyList<string> Inputs, IReadOnlyList<AffectedModel> Downstream, IReadOnlyList<SpecWarning> Warnings);

/// <param name="Rebuild">
/// <c>incremental</c>: the model's next run reads only the rows appended to its driving input and
/// appends to its dataset; <c>full</c>: it reads its inputs whole and replaces its dataset (every
/// model that is not <c>mode: incremental</c>, and any that a replace, merge or changed model
/// upstream forces to rebuild).
/// </param>
/// <param name="OnCommit">Whether it runs by itself after the commit (<c>on: commit</c>), or waits for its own trigger.</param>
public sealed record AffectedModel(string Pipeline, string Dataset, int Distance, string Rebuild, bool OnCommit);
