using System.Globalization;
using System.Text.Json;
using PerceptionEncoder.Data.Datasets;
using PerceptionEncoder.Data.Loading;
using PerceptionEncoder.Eval.Formats.Coco;
using PerceptionEncoder.Eval.Formats.Davis;
using PerceptionEncoder.Imaging;

namespace PerceptionEncoder.Data.Synthetic;

/// <summary>
/// Synthetic scenes, deterministic by seed, written in exactly the layouts of the real datasets
/// (datasets/README.md) so that every reader, head and evaluator runs on them unchanged:
/// <list type="bullet">
/// <item>still images of textured objects of six categories (<see cref="SyntheticCategory.All"/>) standing on a
/// textured ground in front of a textured wall, with COCO annotations (boxes, polygons, crowd regions as RLE) and a
/// depth map (the ground's depth grows toward the horizon, the wall is at one depth, objects are at the depth of
/// their foot point, the sky has none; haze and texture scale grow with distance, so depth can be told from local
/// appearance and position);</item>
/// <item>short videos of objects walking and passing in front of one another, with DAVIS palette masks.</item>
/// </list>
/// Image <c>i</c> of a split written with seed <c>s</c> is the scene of seed <c>Seeds.Mix(s, i)</c>, so COCO and
/// NYU splits written with one seed hold the same images. Writers skip work already done with the same recipe
/// (count, seed, options), so an interrupted caller can simply call again.
/// </summary>
public static class SyntheticScenes
{
    /// <summary>The six categories, with their COCO-style ids and names.</summary>
    public static IReadOnlyList<SyntheticCategory> Categories => SyntheticCategory.All;

    /// <summary>Renders one still scene in memory.</summary>
    public static SyntheticScene Render(int seed, SceneOptions? options = null) => StillSceneBuilder.Build(options ?? new SceneOptions(), seed);

    /// <summary>Renders image <paramref name="index"/> of a split written with <paramref name="seed"/>.</summary>
    public static SyntheticScene RenderItem(int seed, int index, SceneOptions? options = null) => Render(Seeds.Mix(seed, index), options);

    /// <summary>Renders one video in memory: per frame the pixels and the DAVIS label map (object indices).</summary>
    public static IReadOnlyList<(RgbImage Frame, IndexedImage Labels)> RenderVideo(int seed, VideoOptions? options = null) =>
        VideoBuilder.Build(options ?? new VideoOptions(), seed);

    /// <summary>
    /// Writes a COCO split: <c>root/coco/annotations/instances_SPLIT.json</c> and the JPEG images
    /// <c>root/coco/SPLIT/000000000001.jpg</c>... (image ids 1..count, annotation ids from 1).
    /// </summary>
    /// <param name="root">The datasets root (as <c>--data-root</c> / <c>PE_DATASETS</c>).</param>
    /// <param name="split">The split name, e.g. <c>train</c> or <c>val</c>.</param>
    /// <param name="count">Number of images.</param>
    /// <param name="seed">Seed of the split.</param>
    /// <param name="options">Scene options (default <see cref="SceneOptions"/>).</param>
    public static SyntheticCocoSplit WriteCoco(string root, string split, int count, int seed, SceneOptions? options = null)
    {
        options ??= new SceneOptions();
        string coco = Path.Combine(root, DatasetRoot.CocoFolder);
        string annotationFile = Path.Combine(coco, "annotations", $"instances_{split}.json");
        string imageFolder = Path.Combine(coco, split);
        string recipe = Recipe("coco", split, count, seed, options);
        string marker = Path.Combine(coco, $".synthetic-{split}.json");
        var result = new SyntheticCocoSplit(coco, annotationFile, imageFolder, count);
        if (IsDone(marker, recipe, annotationFile)) return result;

        Directory.CreateDirectory(imageFolder);
        var scenes = new SyntheticScene[count];
        Parallel.For(0, count, i =>
        {
            var scene = RenderItem(seed, i, options);
            ImageFile.WriteRgb(Path.Combine(imageFolder, FileName(i + 1)), scene.Image);
            scenes[i] = scene with { Image = new RgbImage(0, 0, []), Depth = scene.Depth with { Metres = [], Valid = [] } };
        });

        var images = new List<CocoImage>();
        var annotations = new List<CocoAnnotation>();
        for (int i = 0; i < count; i++)
        {
            images.Add(new CocoImage(i + 1, options.Width, options.Height, FileName(i + 1)));
            foreach (var o in scenes[i].Objects)
                annotations.Add(new CocoAnnotation
                {
                    Id = annotations.Count + 1,
                    ImageId = i + 1,
                    CategoryId = o.Category.Id,
                    Bbox = o.Box,
                    Area = o.Area,
                    IsCrowd = o.IsCrowd,
                    Segmentation = o.Polygon is { } polygon ? new PolygonSegmentation([polygon]) : new RleSegmentation(o.Mask, Compressed: false),
                });
        }
        var categories = Categories.Select(c => new CocoCategory(c.Id, c.Name, "shape"));
        using var info = JsonDocument.Parse(JsonSerializer.Serialize(new
        {
            description = "PE toolkit synthetic scenes (src/Data/Synthetic)",
            version = "1",
            split,
            seed,
            images = count,
        }));
        new Eval.Formats.Coco.CocoDataset(images, annotations, categories, info.RootElement, source: annotationFile).Save(annotationFile);
        AtomicFile.WriteAllText(marker, recipe);
        return result;
    }

    /// <summary>
    /// Writes an NYU split in the BTS layout: RGB JPEGs and uint16 millimetre depth PNGs (0 = no depth) under
    /// <c>root/nyu_depth_v2/sync/</c> (split <c>train</c>), <c>official_splits/test/</c> (<c>test</c>) or
    /// <c>SPLIT/</c>, as <c>scene_NNN/rgb_XXXXX.jpg</c> + <c>sync_depth_XXXXX.png</c>, and the list
    /// <c>nyudepthv2_SPLIT_files_with_gt.txt</c> (focal length in pixels as the third field).
    /// </summary>
    /// <param name="root">The datasets root.</param>
    /// <param name="split"><c>train</c>, <c>test</c> or another name.</param>
    /// <param name="count">Number of image/depth pairs.</param>
    /// <param name="seed">Seed of the split.</param>
    /// <param name="options">Scene options (default <see cref="SceneOptions"/>).</param>
    public static SyntheticNyuSplit WriteNyu(string root, string split, int count, int seed, SceneOptions? options = null)
    {
        options ??= new SceneOptions();
        string nyu = Path.Combine(root, DatasetRoot.NyuFolder);
        var (listFile, dataFolder) = NyuSampleSource.SplitPaths(nyu, split);
        string recipe = Recipe("nyu", split, count, seed, options);
        string marker = Path.Combine(nyu, $".synthetic-{split}.json");
        var result = new SyntheticNyuSplit(nyu, listFile, dataFolder, count);
        if (IsDone(marker, recipe, listFile)) return result;

        var lines = new string[count];
        Parallel.For(0, count, i =>
        {
            var scene = RenderItem(seed, i, options);
            string sceneFolder = $"scene_{i / 25:D3}";
            string rgb = $"{sceneFolder}/rgb_{i:D5}.jpg", depth = $"{sceneFolder}/sync_depth_{i:D5}.png";
            ImageFile.WriteRgb(Path.Combine(dataFolder, rgb), scene.Image);
            scene.Depth.ToMetresMap().WritePng(Path.Combine(dataFolder, depth));
            lines[i] = $"{rgb} {depth} {scene.Focal.ToString("0.####", CultureInfo.InvariantCulture)}";
        });
        AtomicFile.WriteAllText(listFile, string.Join("\n", lines) + "\n");
        AtomicFile.WriteAllText(marker, recipe);
        return result;
    }

    /// <summary>
    /// Writes DAVIS 2017-style sequences <c>synth-SET-NNN</c>: JPEG frames in <c>root/DAVIS/JPEGImages/480p/SEQ/</c>,
    /// palette PNG label maps (object indices 1..N, the DAVIS palette) for every frame in
    /// <c>root/DAVIS/Annotations/480p/SEQ/</c>, and the list <c>root/DAVIS/ImageSets/2017/SET.txt</c>.
    /// </summary>
    /// <param name="root">The datasets root.</param>
    /// <param name="set">The image set, e.g. <c>val</c>.</param>
    /// <param name="sequences">Number of sequences.</param>
    /// <param name="seed">Seed of the set.</param>
    /// <param name="options">Video options (default <see cref="VideoOptions"/>).</param>
    public static SyntheticDavisSet WriteDavis(string root, string set, int sequences, int seed, VideoOptions? options = null)
    {
        options ??= new VideoOptions();
        string davis = Path.Combine(root, DatasetRoot.DavisFolder);
        var dataset = new DavisLayout(davis);
        var names = Enumerable.Range(0, sequences).Select(i => $"synth-{set}-{i:D3}").ToList();
        string imageSet = dataset.ImageSetPath(set);
        string recipe = Recipe("davis", set, sequences, seed, options);
        string marker = Path.Combine(davis, $".synthetic-{set}.json");
        var result = new SyntheticDavisSet(davis, imageSet, names);
        if (IsDone(marker, recipe, imageSet)) return result;

        Parallel.For(0, sequences, i =>
        {
            var frames = RenderVideo(Seeds.Mix(seed, i), options);
            for (int t = 0; t < frames.Count; t++)
            {
                ImageFile.WriteRgb(Path.Combine(dataset.ImagesFolder(names[i]), $"{t:D5}.jpg"), frames[t].Frame);
                Png.WriteIndexed(Path.Combine(dataset.AnnotationsFolder(names[i]), $"{t:D5}.png"), frames[t].Labels);
            }
        });
        AtomicFile.WriteAllText(imageSet, string.Join("\n", names) + "\n");
        AtomicFile.WriteAllText(marker, recipe);
        return result;
    }

    private static string FileName(long imageId) => $"{imageId:D12}.jpg";

    private static string Recipe(string kind, string split, int count, int seed, object options) =>
        JsonSerializer.Serialize(new { kind, split, count, seed, options = JsonSerializer.SerializeToElement(options, options.GetType()) }) + "\n";

    private static bool IsDone(string marker, string recipe, string mainFile) =>
        File.Exists(marker) && File.Exists(mainFile) && File.ReadAllText(marker) == recipe;

    /// <summary>Folder names of the DAVIS layout (the same as <see cref="DavisDataset"/>'s, without requiring the folder to exist).</summary>
    private sealed class DavisLayout(string root)
    {
        public string ImagesFolder(string sequence) => Path.Combine(root, "JPEGImages", "480p", sequence);

        public string AnnotationsFolder(string sequence) => Path.Combine(root, "Annotations", "480p", sequence);

        public string ImageSetPath(string set) => Path.Combine(root, "ImageSets", "2017", set + ".txt");
    }
}

/// <summary>Where <see cref="SyntheticScenes.WriteCoco"/> wrote a split.</summary>
/// <param name="CocoFolder">The <c>coco</c> folder.</param>
/// <param name="AnnotationFile">The instances JSON.</param>
/// <param name="ImageFolder">The image folder.</param>
/// <param name="Images">Number of images.</param>
public sealed record SyntheticCocoSplit(string CocoFolder, string AnnotationFile, string ImageFolder, int Images);

/// <summary>Where <see cref="SyntheticScenes.WriteNyu"/> wrote a split.</summary>
/// <param name="NyuFolder">The <c>nyu_depth_v2</c> folder.</param>
/// <param name="ListFile">The BTS list.</param>
/// <param name="DataFolder">The folder the list's paths are relative to.</param>
/// <param name="Pairs">Number of pairs.</param>
public sealed record SyntheticNyuSplit(string NyuFolder, string ListFile, string DataFolder, int Pairs);

/// <summary>Where <see cref="SyntheticScenes.WriteDavis"/> wrote a set.</summary>
/// <param name="DavisRoot">The <c>DAVIS</c> folder (<c>pe eval davis --davis-root</c>).</param>
/// <param name="ImageSetFile">The image-set list.</param>
/// <param name="Sequences">The sequence names.</param>
public sealed record SyntheticDavisSet(string DavisRoot, string ImageSetFile, IReadOnlyList<string> Sequences);
