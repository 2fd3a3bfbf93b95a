namespace LayerCache.EndToEnd.Tests;

/// <summary>Declares the second lane of engine tests (see <see cref="EngineCollections"/>).</summary>
[CollectionDefinition(EngineCollections.B)]
public sealed class EngineCollectionB;
