namespace Ductus.Core.Migrations;

/// <summary>One schema change with the statements that apply it and the ones that undo it.</summary>
public sealed record Migration(int Version, string Name, string Up, string Down);
