using System.Text.Json;

namespace PerceptionEncoder.Heads.Depth;

/// <summary>JSON settings of the depth head configs.</summary>
internal static class DepthHeadJson
{
    public static JsonSerializerOptions Options { get; } = new()
    {
        WriteIndented = false,
        PropertyNameCaseInsensitive = false,
    };
}
