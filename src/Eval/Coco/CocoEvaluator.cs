using PerceptionEncoder.Eval.Formats.Coco;
using PerceptionEncoder.Eval.Masks;

namespace PerceptionEncoder.Eval.Coco;

/// <summary>
/// COCO detection evaluation with pycocotools' <c>COCOeval</c> semantics (evaluate + accumulate + summarize) for
/// boxes and masks, giving its numbers to the last bit: see docs EVAL_SPEC.md §1 for every rule followed (stable
/// score ordering, ties to the later GT, crowd regions, inclusive area ranges, maxDets per image and category,
/// -1 cells, the precision eps). Work is spread over categories on <see cref="CocoEvalParams.MaxDegreeOfParallelism"/>
/// threads; the result does not depend on the thread count.
/// </summary>
public static partial class CocoEvaluator
{
    /// <summary>Reads a GT instances file and a results file, then evaluates.</summary>
    public static CocoEvalResult Evaluate(string groundTruthPath, string resultsPath, CocoEvalParams? parameters = null)
    {
        var gt = CocoDataset.Load(groundTruthPath);
        var dt = CocoResults.Load(resultsPath);
        return Evaluate(gt, dt, parameters, resultsPath);
    }

    /// <summary>
    /// Evaluates <paramref name="results"/> against <paramref name="groundTruth"/>.
    /// <list type="bullet">
    /// <item>Results of a category that is not a GT category are dropped, as the reference does, and counted in
    /// <see cref="CocoEvalResult.DroppedUnknownCategory"/>.</item>
    /// <item>An empty result list is valid (recall 0 wherever there is GT).</item>
    /// <item>As in <c>loadRes</c>, the first result decides the branch: with a box, every result needs a box and its
    /// area is the box area (a result without a mask gets the box's polygon for segm); without, every result needs a
    /// mask and its area is the mask area.</item>
    /// </list>
    /// </summary>
    /// <param name="groundTruth">The GT dataset.</param>
    /// <param name="results">Results in file order (the order breaks score ties).</param>
    /// <param name="parameters">Defaults: bbox, all images and categories.</param>
    /// <param name="resultsSource">The results file, for messages.</param>
    /// <exception cref="InvalidDataException">A result on an image that is not in the GT (naming the id), a result
    /// lacking what its branch needs, a NaN/negative score or box size, a GT entry that cannot be evaluated (no box,
    /// a malformed polygon), or a mask whose size differs from its image's.</exception>
    public static CocoEvalResult Evaluate(
        CocoDataset groundTruth, IReadOnlyList<CocoDetection> results, CocoEvalParams? parameters = null, string? resultsSource = null)
    {
        ArgumentNullException.ThrowIfNull(groundTruth);
        ArgumentNullException.ThrowIfNull(results);
        var p = parameters ?? new CocoEvalParams();
        var setup = Setup.Create(groundTruth, results, p, resultsSource ?? "results");
        var outputs = new CategoryOutput[setup.K];
        var options = new ParallelOptions { MaxDegreeOfParallelism = p.MaxDegreeOfParallelism ?? Environment.ProcessorCount };
        Parallel.For(0, setup.K, options, () => new Workspace(setup), (k, _, workspace) =>
        {
            outputs[k] = EvaluateCategory(setup, k, workspace);
            return workspace;
        }, _ => { });
        return Accumulate(setup, outputs);
    }

    /// <summary>Everything the per-category work reads, built once.</summary>
    private sealed class Setup
    {
        public required CocoDataset Gt { get; init; }
        public required IReadOnlyList<CocoDetection> Dt { get; init; }
        public required CocoEvalParams Params { get; init; }
        public required string ResultsSource { get; init; }
        public required long[] ImageIds { get; init; }
        public required long[] CategoryIds { get; init; }
        public required CocoImage?[] Images { get; init; }
        public required double[] IouThresholds { get; init; }
        public required double[] RecallThresholds { get; init; }
        public required int[] MaxDets { get; init; }
        public required CocoAreaRange[] Areas { get; init; }
        public int I => ImageIds.Length;
        public int K => CategoryIds.Length;
        public int T => IouThresholds.Length;
        public int A => Areas.Length;
        public int MaxDet => MaxDets[^1];

        /// <summary>GT annotation indices grouped by category, then image (ascending id), then file order.</summary>
        public required int[] GtOrder { get; init; }
        public required int[] GtImage { get; init; }
        public required int[] GtCategoryStart { get; init; }

        /// <summary>Result indices grouped the same way.</summary>
        public required int[] DtOrder { get; init; }
        public required int[] DtImage { get; init; }
        public required int[] DtCategoryStart { get; init; }

        /// <summary>Per result (by index in <see cref="Dt"/>): the area and box <c>loadRes</c> assigns.</summary>
        public required double[] DtArea { get; init; }
        public required BoxXywh[] DtBox { get; init; }
        public required bool BboxBranch { get; init; }

        /// <summary>Result masks for segm (filled lazily by the worker of the result's category).</summary>
        public required Rle?[] DtMask { get; init; }
        public required int DroppedUnknownCategory { get; init; }

        public static Setup Create(CocoDataset gt, IReadOnlyList<CocoDetection> dt, CocoEvalParams p, string resultsSource)
        {
            long[] imageIds = SortedUnique(p.ImageIds ?? gt.SortedImageIds());
            long[] categoryIds = SortedUnique(p.CategoryIds ?? gt.SortedCategoryIds());
            var imageIndex = new Dictionary<long, int>(imageIds.Length);
            for (int i = 0; i < imageIds.Length; i++) imageIndex[imageIds[i]] = i;
            var categoryIndex = new Dictionary<long, int>(categoryIds.Length);
            for (int k = 0; k < categoryIds.Length; k++) categoryIndex[categoryIds[k]] = k;
            var images = new CocoImage?[imageIds.Length];
            for (int i = 0; i < imageIds.Length; i++) images[i] = gt.TryGetImage(imageIds[i], out var image) ? image : null;

            int[] maxDets = [.. p.MaxDetections];
            Array.Sort(maxDets);
            if (maxDets.Length == 0 || maxDets[0] < 1) throw new ArgumentException("maxDets must be a non-empty list of positive counts.");
            if (p.IouThresholds.Count == 0 || p.RecallThresholds.Count == 0 || p.AreaRanges.Count == 0)
                throw new ArgumentException("IoU thresholds, recall thresholds and area ranges must not be empty.");

            // Results: validate and give each its loadRes area and box.
            bool bboxBranch = dt.Count > 0 && dt[0].Bbox != null;
            var dtArea = new double[dt.Count];
            var dtBox = new BoxXywh[dt.Count];
            var dtMask = new Rle?[dt.Count];
            int dropped = 0;
            var dtKeep = new List<(int Index, int Category, int Image)>(dt.Count);
            for (int d = 0; d < dt.Count; d++)
            {
                var r = dt[d];
                string entry = $"{resultsSource}: result #{d} (image_id {r.ImageId}, category_id {r.CategoryId})";
                if (!double.IsFinite(r.Score) || r.Score < 0)
                    throw new InvalidDataException($"{entry}: score {r.Score} is not a finite non-negative number.");
                if (!gt.TryGetImage(r.ImageId, out var image))
                    throw new InvalidDataException($"{entry}: image_id {r.ImageId} is not an image of the ground truth {gt.Source}.");
                if (r.Bbox is { } b && (!double.IsFinite(b.X) || !double.IsFinite(b.Y) || !(b.Width >= 0) || !(b.Height >= 0)))
                    throw new InvalidDataException($"{entry}: bbox {b} is not finite or has a negative width or height.");
                if (bboxBranch)
                {
                    if (r.Bbox is not { } box)
                        throw new InvalidDataException($"{entry}: has no 'bbox' although the first result has one (COCO loadRes decides the format from the first result).");
                    dtBox[d] = box;
                    dtArea[d] = box.Width * box.Height;
                }
                else
                {
                    if (r.Segmentation == null)
                        throw new InvalidDataException($"{entry}: has no 'segmentation' although the first result has no 'bbox' (COCO loadRes decides the format from the first result).");
                    var mask = ResultMask(r, image, entry);
                    dtArea[d] = mask.Area;
                    dtBox[d] = r.Bbox ?? mask.ToBbox();
                    dtMask[d] = mask;
                }
                if (!gt.TryGetCategory(r.CategoryId, out _))
                {
                    dropped++;
                    continue;
                }
                if (imageIndex.TryGetValue(r.ImageId, out int i) && categoryIndex.TryGetValue(r.CategoryId, out int k))
                    dtKeep.Add((d, k, i));
            }

            var gtKeep = new List<(int Index, int Category, int Image)>();
            for (int g = 0; g < gt.Annotations.Count; g++)
            {
                var a = gt.Annotations[g];
                if (imageIndex.TryGetValue(a.ImageId, out int i) && categoryIndex.TryGetValue(a.CategoryId, out int k))
                    gtKeep.Add((g, k, i));
            }

            var (gtOrder, gtImage, gtStart) = Group(gtKeep, imageIds.Length, categoryIds.Length);
            var (dtOrder, dtImage, dtStart) = Group(dtKeep, imageIds.Length, categoryIds.Length);
            return new Setup
            {
                Gt = gt,
                Dt = dt,
                Params = p,
                ResultsSource = resultsSource,
                ImageIds = imageIds,
                CategoryIds = categoryIds,
                Images = images,
                IouThresholds = [.. p.IouThresholds],
                RecallThresholds = [.. p.RecallThresholds],
                MaxDets = maxDets,
                Areas = [.. p.AreaRanges],
                GtOrder = gtOrder,
                GtImage = gtImage,
                GtCategoryStart = gtStart,
                DtOrder = dtOrder,
                DtImage = dtImage,
                DtCategoryStart = dtStart,
                DtArea = dtArea,
                DtBox = dtBox,
                DtMask = dtMask,
                BboxBranch = bboxBranch,
                DroppedUnknownCategory = dropped,
            };
        }

        /// <summary>Stable counting sort by (category, image): file order is kept inside each group.</summary>
        private static (int[] Order, int[] Image, int[] CategoryStart) Group(List<(int Index, int Category, int Image)> items, int imageCount, int categoryCount)
        {
            var byImage = new int[imageCount + 1];
            foreach (var it in items) byImage[it.Image + 1]++;
            for (int i = 0; i < imageCount; i++) byImage[i + 1] += byImage[i];
            var sortedByImage = new (int Index, int Category, int Image)[items.Count];
            foreach (var it in items) sortedByImage[byImage[it.Image]++] = it;

            var start = new int[categoryCount + 1];
            foreach (var it in items) start[it.Category + 1]++;
            for (int k = 0; k < categoryCount; k++) start[k + 1] += start[k];
            var next = (int[])start.Clone();
            var order = new int[items.Count];
            var image = new int[items.Count];
            foreach (var it in sortedByImage)
            {
                int at = next[it.Category]++;
                order[at] = it.Index;
                image[at] = it.Image;
            }
            return (order, image, start);
        }

        private static long[] SortedUnique(IEnumerable<long> ids)
        {
            var set = new SortedSet<long>(ids);
            return [.. set];
        }
    }

    /// <summary>The mask of a result, checked against its image size.</summary>
    internal static Rle ResultMask(CocoDetection r, CocoImage image, string entry)
    {
        Rle mask;
        try
        {
            var segmentation = r.Segmentation ?? PolygonSegmentation.FromBox(r.Bbox!.Value);
            mask = segmentation.ToRle(image.Height, image.Width);
        }
        catch (ArgumentException e)
        {
            throw new InvalidDataException($"{entry}: invalid segmentation: {e.Message}");
        }
        if (mask.Height != image.Height || mask.Width != image.Width)
            throw new InvalidDataException(
                $"{entry}: mask size [{mask.Height}, {mask.Width}] differs from the image's [{image.Height}, {image.Width}].");
        return mask;
    }
}
