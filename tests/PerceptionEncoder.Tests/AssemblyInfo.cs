// Torch's default random generator is process-wide: module initialisation and seeded training in one test would
// interleave with another's when tests ran in parallel, and seeded results would stop being reproducible.
// Torch already uses every core inside each test.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
