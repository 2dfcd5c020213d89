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
public sealed record Response(bool Valid, IReadOnlyList<string> Inputs, IReadOnlyList<AffectedModel> Downstream);

/// <param name="Rebuild"><c>full</c>: the model reads its inputs whole and replaces its dataset.</param>
/// <param name="OnCommit">Whether it runs by itself after the commit (<c>on: commit</c>), or waits for its own trigger.</param>
public sealed record AffectedModel(string Pipeline, string Dataset, int Distance, string Rebuild, bool OnCommit);
