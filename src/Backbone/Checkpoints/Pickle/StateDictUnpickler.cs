using System.Buffers.Binary;
using System.Text;
using static TorchSharp.torch;

namespace PerceptionEncoder.Backbone.Checkpoints.Pickle;

/// <summary>
/// A minimal, safe unpickler for the <c>data.pkl</c> of <c>torch.save(state_dict)</c> files. It interprets only the
/// opcodes that dicts, tuples, lists, numbers and strings need, and only these globals: <c>collections.OrderedDict</c>,
/// <c>torch._utils._rebuild_tensor_v2</c>, <c>torch._utils._rebuild_parameter</c>, the typed storage classes
/// (<c>torch.FloatStorage</c>, ...) and dtypes named in persistent ids. Anything else (arbitrary classes, code) is
/// refused with an error naming the file: nothing is ever executed.
/// </summary>
internal sealed class StateDictUnpickler
{
    private static readonly Dictionary<string, ScalarType> StorageTypes = new()
    {
        ["FloatStorage"] = ScalarType.Float32, ["HalfStorage"] = ScalarType.Float16, ["BFloat16Storage"] = ScalarType.BFloat16,
        ["DoubleStorage"] = ScalarType.Float64, ["LongStorage"] = ScalarType.Int64, ["IntStorage"] = ScalarType.Int32,
        ["ShortStorage"] = ScalarType.Int16, ["CharStorage"] = ScalarType.Int8, ["ByteStorage"] = ScalarType.Byte,
        ["BoolStorage"] = ScalarType.Bool,
        // dtypes, as some writers name the storage dtype directly
        ["float32"] = ScalarType.Float32, ["float"] = ScalarType.Float32, ["float16"] = ScalarType.Float16, ["half"] = ScalarType.Float16,
        ["bfloat16"] = ScalarType.BFloat16, ["float64"] = ScalarType.Float64, ["double"] = ScalarType.Float64,
        ["int64"] = ScalarType.Int64, ["long"] = ScalarType.Int64, ["int32"] = ScalarType.Int32, ["int"] = ScalarType.Int32,
        ["int16"] = ScalarType.Int16, ["int8"] = ScalarType.Int8, ["uint8"] = ScalarType.Byte, ["bool"] = ScalarType.Bool,
    };

    private readonly string _source;
    private readonly byte[] _data;
    private int _pos;
    private readonly List<object?> _stack = [];
    private readonly Stack<int> _marks = new();
    private readonly Dictionary<long, object?> _memo = [];

    private StateDictUnpickler(string source, byte[] data)
    {
        _source = source;
        _data = data;
    }

    /// <summary>Unpickles <paramref name="data"/>; <paramref name="source"/> names the file in errors.</summary>
    public static object? Load(string source, byte[] data) => new StateDictUnpickler(source, data).Run();

    private object? Run()
    {
        while (true)
        {
            int at = _pos;
            byte op = ReadByte();
            switch (op)
            {
                case 0x80: ReadByte(); break; // PROTO
                case 0x95: ReadBytes(8); break; // FRAME
                case (byte)'.': return _stack.Count == 1 ? _stack[0] : throw Corrupt(at, "stack not single at STOP");
                case (byte)'(': _marks.Push(_stack.Count); break; // MARK
                case (byte)'0': Pop(); break; // POP
                case (byte)'1': PopMark(); break; // POP_MARK
                case (byte)'2': Push(Peek()); break; // DUP
                case (byte)'N': Push(null); break; // NONE
                case 0x88: Push(true); break; // NEWTRUE
                case 0x89: Push(false); break; // NEWFALSE
                case (byte)'J': Push((long)BinaryPrimitives.ReadInt32LittleEndian(ReadBytes(4))); break; // BININT
                case (byte)'K': Push((long)ReadByte()); break; // BININT1
                case (byte)'M': Push((long)BinaryPrimitives.ReadUInt16LittleEndian(ReadBytes(2))); break; // BININT2
                case 0x8a: Push(ReadLong(ReadByte(), at)); break; // LONG1
                case (byte)'G': Push(BinaryPrimitives.ReadDoubleBigEndian(ReadBytes(8))); break; // BINFLOAT
                case (byte)'X': Push(ReadUtf8(BinaryPrimitives.ReadUInt32LittleEndian(ReadBytes(4)))); break; // BINUNICODE
                case 0x8c: Push(ReadUtf8(ReadByte())); break; // SHORT_BINUNICODE
                case 0x8d: Push(ReadUtf8(checked((long)BinaryPrimitives.ReadUInt64LittleEndian(ReadBytes(8))))); break; // BINUNICODE8
                case (byte)'T': Push(Encoding.Latin1.GetString(ReadBytes(BinaryPrimitives.ReadInt32LittleEndian(ReadBytes(4))))); break; // BINSTRING
                case (byte)'U': Push(Encoding.Latin1.GetString(ReadBytes(ReadByte()))); break; // SHORT_BINSTRING
                case (byte)'B': Push(ReadBytes(BinaryPrimitives.ReadInt32LittleEndian(ReadBytes(4)))); break; // BINBYTES
                case (byte)'C': Push(ReadBytes(ReadByte())); break; // SHORT_BINBYTES
                case (byte)')': Push(Array.Empty<object?>()); break; // EMPTY_TUPLE
                case (byte)'t': Push(PopMark().ToArray()); break; // TUPLE
                case 0x85: Push(new[] { Pop() }); break; // TUPLE1
                case 0x86: { var b = Pop(); var a = Pop(); Push(new[] { a, b }); break; } // TUPLE2
                case 0x87: { var c = Pop(); var b = Pop(); var a = Pop(); Push(new[] { a, b, c }); break; } // TUPLE3
                case (byte)']': Push(new List<object?>()); break; // EMPTY_LIST
                case (byte)'l': Push(PopMark()); break; // LIST
                case (byte)'a': { var v = Pop(); AsList(Peek(), at).Add(v); break; } // APPEND
                case (byte)'e': { var items = PopMark(); AsList(Peek(), at).AddRange(items); break; } // APPENDS
                case (byte)'}': Push(new PickleDict()); break; // EMPTY_DICT
                case (byte)'d': { var items = PopMark(); var d = new PickleDict(); SetItems(d, items, at); Push(d); break; } // DICT
                case (byte)'s': { var v = Pop(); var k = Pop(); AsDict(Peek(), at).Set(k, v); break; } // SETITEM
                case (byte)'u': { var items = PopMark(); SetItems(AsDict(Peek(), at), items, at); break; } // SETITEMS
                case (byte)'c': Push(Global(ReadLine(), ReadLine(), at)); break; // GLOBAL
                case 0x93: { var name = Pop(); var module = Pop(); Push(Global(module as string ?? "?", name as string ?? "?", at)); break; } // STACK_GLOBAL
                case 0x94: _memo[_memo.Count] = Peek(); break; // MEMOIZE
                case (byte)'q': _memo[ReadByte()] = Peek(); break; // BINPUT
                case (byte)'r': _memo[BinaryPrimitives.ReadUInt32LittleEndian(ReadBytes(4))] = Peek(); break; // LONG_BINPUT
                case (byte)'h': Push(Memo(ReadByte(), at)); break; // BINGET
                case (byte)'j': Push(Memo(BinaryPrimitives.ReadUInt32LittleEndian(ReadBytes(4)), at)); break; // LONG_BINGET
                case (byte)'R': { var args = Pop(); var callable = Pop(); Push(Reduce(callable, args, at)); break; } // REDUCE
                case (byte)'b': { var state = Pop(); Build(Peek(), state, at); break; } // BUILD
                case (byte)'Q': Push(PersistentLoad(Pop(), at)); break; // BINPERSID
                default:
                    throw new InvalidDataException(
                        $"{_source}: unsupported pickle opcode 0x{op:x2} at byte {at}; only plain state_dicts of tensors are read (no objects, no code).");
            }
        }
    }

    private object Global(string module, string name, int at)
    {
        bool allowed = (module, name) switch
        {
            ("collections", "OrderedDict") => true,
            ("torch._utils", "_rebuild_tensor_v2" or "_rebuild_parameter") => true,
            ("torch", _) when StorageTypes.ContainsKey(name) => true,
            _ => false,
        };
        if (!allowed)
            throw new InvalidDataException(
                $"{_source}: the pickle refers to {module}.{name} (at byte {at}), which a state_dict of tensors never needs; refusing to load it. " +
                "Save the weights with torch.save(model.state_dict(), path) or as safetensors.");
        return new PickleGlobal(module, name);
    }

    private object? Reduce(object? callable, object? args, int at)
    {
        if (callable is not PickleGlobal g || args is not object?[] a)
            throw Corrupt(at, "REDUCE without a global and an argument tuple");
        switch (g.Module, g.Name)
        {
            case ("collections", "OrderedDict"):
                var dict = new PickleDict();
                if (a.Length > 0 && a[0] is List<object?> pairs)
                    foreach (var p in pairs)
                        if (p is object?[] { Length: 2 } kv) dict.Set(kv[0], kv[1]);
                return dict;
            case ("torch._utils", "_rebuild_tensor_v2"):
                if (a.Length < 4 || a[0] is not StorageRef storage || a[1] is not long offset || a[2] is not object?[] size || a[3] is not object?[] stride)
                    throw Corrupt(at, "malformed _rebuild_tensor_v2 arguments");
                return new TensorRecord(storage, offset, ToLongs(size, at), ToLongs(stride, at));
            case ("torch._utils", "_rebuild_parameter"):
                return a.Length > 0 && a[0] is TensorRecord t ? t : throw Corrupt(at, "malformed _rebuild_parameter arguments");
            default:
                throw new InvalidDataException($"{_source}: {g} cannot be called while loading a state_dict (at byte {at}).");
        }
    }

    private void Build(object? target, object? state, int at)
    {
        // OrderedDict state (the state_dict's _metadata attribute) carries nothing the weights need.
        if (target is not PickleDict)
            throw new InvalidDataException($"{_source}: the pickle builds an object of an unsupported kind at byte {at}; only state_dicts are read.");
        _ = state;
    }

    private object PersistentLoad(object? pid, int at)
    {
        // ('storage', <storage class or dtype>, key, location, numel)
        if (pid is not object?[] { Length: 5 } t || t[0] is not "storage")
            throw Corrupt(at, "a persistent id that is not a tensor storage");
        if (t[1] is not PickleGlobal type || !StorageTypes.TryGetValue(type.Name, out var dtype))
            throw new InvalidDataException($"{_source}: tensor storage of unsupported type {t[1]} at byte {at}.");
        if (t[2] is not string key || t[4] is not long numel)
            throw Corrupt(at, "malformed storage persistent id");
        return new StorageRef(key, dtype, numel);
    }

    private long[] ToLongs(object?[] values, int at) =>
        [.. values.Select(v => v is long l ? l : throw Corrupt(at, "a tensor size or stride that is not an integer"))];

    private void SetItems(PickleDict dict, List<object?> items, int at)
    {
        if (items.Count % 2 != 0) throw Corrupt(at, "odd number of dict items");
        for (int i = 0; i < items.Count; i += 2) dict.Set(items[i], items[i + 1]);
    }

    private List<object?> AsList(object? o, int at) => o as List<object?> ?? throw Corrupt(at, "APPEND to a non-list");

    private PickleDict AsDict(object? o, int at) => o as PickleDict ?? throw Corrupt(at, "SETITEM on a non-dict");

    private object? Memo(long index, int at) => _memo.TryGetValue(index, out var v) ? v : throw Corrupt(at, $"memo entry {index} is undefined");

    private long ReadLong(int n, int at)
    {
        var bytes = ReadBytes(n);
        if (n > 8) throw Corrupt(at, "integer wider than 64 bits");
        long value = 0;
        for (int i = n - 1; i >= 0; i--) value = (value << 8) | bytes[i];
        if (n is > 0 and < 8 && (bytes[n - 1] & 0x80) != 0) value -= 1L << (8 * n);
        return value;
    }

    private string ReadUtf8(long n) => Encoding.UTF8.GetString(ReadBytes(checked((int)n)));

    private string ReadLine()
    {
        int start = _pos;
        while (_pos < _data.Length && _data[_pos] != (byte)'\n') _pos++;
        if (_pos >= _data.Length) throw Truncated();
        string s = Encoding.ASCII.GetString(_data, start, _pos - start);
        _pos++;
        return s;
    }

    private byte ReadByte() => _pos < _data.Length ? _data[_pos++] : throw Truncated();

    private byte[] ReadBytes(int n)
    {
        if (n < 0 || _pos + n > _data.Length) throw Truncated();
        var b = _data.AsSpan(_pos, n).ToArray();
        _pos += n;
        return b;
    }

    private void Push(object? o) => _stack.Add(o);

    private object? Peek() => _stack.Count > 0 ? _stack[^1] : throw Corrupt(_pos, "stack underflow");

    private object? Pop()
    {
        var o = Peek();
        _stack.RemoveAt(_stack.Count - 1);
        return o;
    }

    private List<object?> PopMark()
    {
        if (_marks.Count == 0) throw Corrupt(_pos, "no MARK");
        int m = _marks.Pop();
        var items = _stack.GetRange(m, _stack.Count - m);
        _stack.RemoveRange(m, _stack.Count - m);
        return items;
    }

    private InvalidDataException Truncated() => new($"{_source}: the pickle ends early (truncated or corrupt file).");

    private InvalidDataException Corrupt(int at, string what) => new($"{_source}: corrupt pickle at byte {at}: {what}.");
}
