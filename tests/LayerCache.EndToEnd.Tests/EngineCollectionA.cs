namespace LayerCache.EndToEnd.Tests;

/// <summary>Declares the first lane of engine tests (see <see cref="EngineCollections"/>).</summary>
[CollectionDefinition(EngineCollections.A)]
public sealed class EngineCollectionA;
