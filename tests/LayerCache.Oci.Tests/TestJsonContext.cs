using System.Text.Json.Serialization;
using LayerCache.Oci;

namespace LayerCache.Oci.Tests;

[JsonSerializable(typeof(ImageReference))]
[JsonSerializable(typeof(Digest))]
[JsonSerializable(typeof(DiffId))]
internal sealed partial class TestJsonContext : JsonSerializerContext
{
}
