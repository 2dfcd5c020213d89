using Ductus.Core.Runs;

namespace Ductus.Pipelines.Runs;

/// <summary>
/// Where a run announces its events. Synchronous and fire-and-forget on purpose: the engine
/// reports progress from inside its steps, and a slow or absent broker must never slow a run.
/// </summary>
public interface IRunEventSink
{
    void Publish(RunEvent runEvent);
}
