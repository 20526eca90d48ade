using System.Text.Json.Nodes;
using PerceptionEncoder.Cli.Infrastructure;
using PerceptionEncoder.Testing;

namespace PerceptionEncoder.Tests.Cli;

public sealed class RunJournalTests
{
    [Fact]
    public void Reopened_WithTheSameSettings_HasTheItems_ACutLastLineIsIgnored()
    {
        using var dir = new TempDirectory();
        string path = dir.File("out", ".journal.jsonl");
        using (var journal = RunJournal.Open(path, "model A; lr 0.1"))
        {
            Assert.Equal(0, journal.Count);
            journal.Record("a.jpg", new JsonArray(1, 2.5));
            journal.Record("b.jpg", null);
        }
        File.AppendAllText(path, "{\"item\": \"c.jpg\", \"val"); // a kill in the middle of a line

        using (var journal = RunJournal.Open(path, "model A; lr 0.1"))
        {
            Assert.Equal(2, journal.Count);
            Assert.True(journal.TryGet("a.jpg", out var a));
            Assert.Equal("[1,2.5]", a!.ToJsonString());
            Assert.True(journal.TryGet("b.jpg", out var b));
            Assert.Null(b);
            Assert.False(journal.TryGet("c.jpg", out _));
            journal.Record("c.jpg", 3);
        }
        using (var journal = RunJournal.Open(path, "model A; lr 0.1"))
        {
            Assert.Equal(3, journal.Count);
            Assert.True(journal.TryGet("c.jpg", out var c));
            Assert.Equal(3, RunJournal.IntOf(c));
        }
    }

    [Fact]
    public void Reopened_WithOtherSettings_StartsAfresh()
    {
        using var dir = new TempDirectory();
        string path = dir.File(".journal.jsonl");
        using (var journal = RunJournal.Open(path, "model A"))
            journal.Record("a.jpg", 1);
        using (var journal = RunJournal.Open(path, "model B"))
            Assert.Equal(0, journal.Count);
        using (var journal = RunJournal.Open(path, "model A"))
            Assert.Equal(0, journal.Count); // the journal of model B replaced it
    }

    [Fact]
    public void FileKey_ChangesWhenTheFileIsReplaced()
    {
        using var dir = new TempDirectory();
        string file = dir.File("a.jpg");
        File.WriteAllText(file, "x");
        File.SetLastWriteTimeUtc(file, new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc));
        string before = RunJournal.FileKey(file);
        File.WriteAllText(file, "y");
        File.SetLastWriteTimeUtc(file, new DateTime(2026, 1, 2, 0, 0, 0, DateTimeKind.Utc));
        Assert.NotEqual(before, RunJournal.FileKey(file));
        Assert.StartsWith(Path.GetFullPath(file), before);
    }
}
