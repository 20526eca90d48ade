// MSBuild task (compiled by RoslynCodeTaskFactory): makes libLibTorchSharp.so load on systems whose libstdc++
// predates GLIBCXX_3.4.32 (Debian 12 has 3.4.30). The library needs one symbol of that version,
// std::ios_base_library_init(); the fix
//   1. compiles a shim library that defines it (g++),
//   2. clears the symbol's version and adds the shim as a NEEDED library (patchelf),
//   3. marks the GLIBCXX_3.4.32 version requirement WEAK so the loader no longer rejects the file.
// Nothing happens where the system libstdc++ already has the version. Every step is idempotent.
#nullable enable
using System;
using System.Diagnostics;
using System.IO;
using System.Text;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

public class ApplyGlibcxxShim : Task
{
    const string RequiredVersion = "GLIBCXX_3.4.32";
    const string Symbol = "_ZSt21ios_base_library_initv";
    const string ShimName = "libglibcxx332shim.so";
    const string TargetName = "libLibTorchSharp.so";

    [Required] public string NativeDirectory { get; set; } = "";
    [Required] public string ShimSource { get; set; } = "";
    [Required] public string IntermediateDirectory { get; set; } = "";

    public override bool Execute()
    {
        string target = Path.Combine(NativeDirectory, TargetName);
        string? systemLib = FindSystemLibStdCxx();
        if (systemLib != null && FileContains(systemLib, RequiredVersion))
        {
            Log.LogMessage(MessageImportance.Low, $"{systemLib} has {RequiredVersion}; {TargetName} left unchanged.");
            return true;
        }

        string shim = Path.Combine(NativeDirectory, ShimName);
        string builtShim = Path.Combine(IntermediateDirectory, ShimName);
        if (!File.Exists(builtShim) || File.GetLastWriteTimeUtc(builtShim) < File.GetLastWriteTimeUtc(ShimSource))
        {
            Directory.CreateDirectory(IntermediateDirectory);
            if (!Run("g++", $"-shared -fPIC -O2 -o \"{builtShim}\" \"{ShimSource}\"", out string err))
            {
                Log.LogError($"Building {ShimName} failed (is g++ installed? apt-get install g++): {err}");
                return false;
            }
        }
        File.Copy(builtShim, shim, overwrite: true);

        if (!Run("patchelf", $"--print-needed \"{target}\"", out string needed))
        {
            Log.LogError($"patchelf is needed to make {TargetName} load with {systemLib ?? "this libstdc++"} " +
                         $"(no {RequiredVersion}); install it: apt-get install patchelf. ({needed})");
            return false;
        }
        bool changed = false;
        if (!needed.Contains(ShimName))
        {
            if (!Run("patchelf", $"--clear-symbol-version {Symbol} --add-needed {ShimName} \"{target}\"", out string err))
            {
                Log.LogError($"patchelf failed on {target}: {err}");
                return false;
            }
            changed = true;
        }
        changed |= WeakenVersionNeed(target, RequiredVersion);
        if (changed)
            Log.LogMessage(MessageImportance.High,
                $"Debian fix: {systemLib ?? "system libstdc++"} lacks {RequiredVersion}; patched {target} " +
                $"(shim {ShimName} supplies {Symbol}, version requirement made weak).");
        return true;
    }

    static string? FindSystemLibStdCxx()
    {
        if (Run("/sbin/ldconfig", "-p", out string output))
        {
            foreach (string line in output.Split('\n'))
            {
                int arrow = line.IndexOf("=>", StringComparison.Ordinal);
                if (line.Contains("libstdc++.so.6") && line.Contains("x86-64") && arrow > 0)
                    return line.Substring(arrow + 2).Trim();
            }
        }
        foreach (string candidate in new[] { "/usr/lib/x86_64-linux-gnu/libstdc++.so.6", "/usr/lib64/libstdc++.so.6" })
            if (File.Exists(candidate)) return candidate;
        return null;
    }

    static bool FileContains(string path, string text)
    {
        byte[] data = File.ReadAllBytes(path);
        byte[] needle = Encoding.ASCII.GetBytes(text + "\0");
        for (int i = 0; i + needle.Length <= data.Length; i++)
        {
            int j = 0;
            while (j < needle.Length && data[i + j] == needle[j]) j++;
            if (j == needle.Length) return true;
        }
        return false;
    }

    static bool Run(string file, string args, out string output)
    {
        try
        {
            var psi = new ProcessStartInfo(file, args)
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            using var p = Process.Start(psi)!;
            string stdout = p.StandardOutput.ReadToEnd();
            string stderr = p.StandardError.ReadToEnd();
            p.WaitForExit();
            output = stdout + stderr;
            return p.ExitCode == 0;
        }
        catch (Exception e)
        {
            output = e.Message;
            return false;
        }
    }

    /// <summary>Sets VER_FLG_WEAK on the ELF64 version-need entry named <paramref name="version"/>.</summary>
    static bool WeakenVersionNeed(string path, string version)
    {
        byte[] elf = File.ReadAllBytes(path);
        if (elf.Length < 64 || elf[0] != 0x7f || elf[1] != (byte)'E' || elf[4] != 2 || elf[5] != 1)
            throw new InvalidDataException($"{path} is not a little-endian ELF64 file.");
        long shoff = BitConverter.ToInt64(elf, 0x28);
        int shentsize = BitConverter.ToUInt16(elf, 0x3A);
        int shnum = BitConverter.ToUInt16(elf, 0x3C);
        bool changed = false;
        for (int s = 0; s < shnum; s++)
        {
            long sh = shoff + (long)s * shentsize;
            if (BitConverter.ToUInt32(elf, (int)sh + 4) != 0x6ffffffe) continue; // SHT_GNU_verneed
            long offset = BitConverter.ToInt64(elf, (int)sh + 0x18);
            int link = BitConverter.ToInt32(elf, (int)sh + 0x28);
            int count = BitConverter.ToInt32(elf, (int)sh + 0x2C);
            long strtab = BitConverter.ToInt64(elf, (int)(shoff + (long)link * shentsize) + 0x18);
            long vn = offset;
            for (int i = 0; i < count; i++)
            {
                int auxCount = BitConverter.ToUInt16(elf, (int)vn + 2);
                long aux = vn + BitConverter.ToUInt32(elf, (int)vn + 8);
                for (int a = 0; a < auxCount; a++)
                {
                    long nameAt = strtab + BitConverter.ToUInt32(elf, (int)aux + 8);
                    int end = Array.IndexOf(elf, (byte)0, (int)nameAt);
                    string name = Encoding.ASCII.GetString(elf, (int)nameAt, end - (int)nameAt);
                    ushort flags = BitConverter.ToUInt16(elf, (int)aux + 4);
                    if (name == version && (flags & 2) == 0)
                    {
                        BitConverter.GetBytes((ushort)(flags | 2)).CopyTo(elf, (int)aux + 4);
                        changed = true;
                    }
                    aux += BitConverter.ToUInt32(elf, (int)aux + 12);
                }
                vn += BitConverter.ToUInt32(elf, (int)vn + 12);
            }
        }
        if (changed)
        {
            string temp = path + ".tmp";
            File.WriteAllBytes(temp, elf);
            File.Copy(temp, path, overwrite: true);
            File.Delete(temp);
        }
        return changed;
    }
}
