using System.Globalization;

namespace PerceptionEncoder.Eval.Formats.Nyu;

/// <summary>The BTS / AdaBins / ZoeDepth split lists (<c>nyudepthv2_test_files_with_gt.txt</c>: 654 lines).</summary>
public static class BtsSplit
{
    /// <summary>Reads a split list; blank lines are skipped.</summary>
    /// <exception cref="InvalidDataException">A line without three fields or with a focal length that is not a number (with the line number).</exception>
    public static IReadOnlyList<BtsSplitEntry> Load(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: split list not found.", path);
        return Parse(File.ReadLines(path), path);
    }

    /// <summary>Parses split lines; <paramref name="source"/> names them in messages.</summary>
    public static IReadOnlyList<BtsSplitEntry> Parse(IEnumerable<string> lines, string source = "split list")
    {
        var entries = new List<BtsSplitEntry>();
        int number = 0;
        foreach (string raw in lines)
        {
            number++;
            string line = raw.Trim();
            if (line.Length == 0) continue;
            string[] f = line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            if (f.Length != 3)
                throw new InvalidDataException($"{source}: line {number}: expected 'rgb path, depth path, focal' (3 fields), found {f.Length}: '{line}'.");
            if (!double.TryParse(f[2], NumberStyles.Float, CultureInfo.InvariantCulture, out double focal))
                throw new InvalidDataException($"{source}: line {number}: focal length '{f[2]}' is not a number.");
            entries.Add(new BtsSplitEntry(f[0], f[1] == "None" ? null : f[1], focal, number));
        }
        return entries;
    }
}
