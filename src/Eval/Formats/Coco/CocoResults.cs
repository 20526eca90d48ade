namespace PerceptionEncoder.Eval.Formats.Coco;

/// <summary>
/// COCO results files: a JSON list of <c>{"image_id", "category_id", "bbox": [x, y, w, h], "score"}</c> (boxes) or
/// <c>{"image_id", "category_id", "segmentation": {"size", "counts"}, "score"}</c> (masks), as <c>pe detect</c>
/// writes and COCOeval reads.
/// </summary>
public static class CocoResults
{
    /// <summary>Reads a results file. An empty list is valid.</summary>
    /// <exception cref="InvalidDataException">Malformed JSON (with line and column), or an entry with a missing
    /// field, a NaN/negative score, a negative box size or a malformed RLE (with the entry's index).</exception>
    public static IReadOnlyList<CocoDetection> Load(string path) => CocoJsonReader.ReadResults(JsonSource.Open(path));

    /// <summary>Parses a results list from UTF-8 bytes; <paramref name="sourceName"/> is used in messages.</summary>
    public static IReadOnlyList<CocoDetection> Parse(byte[] utf8Json, string sourceName = "COCO results JSON") =>
        CocoJsonReader.ReadResults(new JsonSource(sourceName, utf8Json));

    /// <summary>Writes a results list (atomically). Masks are written as compressed RLE unless they are polygons.</summary>
    public static void Save(string path, IEnumerable<CocoDetection> detections) => CocoJsonWriter.WriteResults(path, detections);
}
