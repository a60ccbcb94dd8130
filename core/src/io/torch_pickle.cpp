#include "io/torch_pickle.h"

#include "eigenscope/error.h"
#include "io/zip_reader.h"


#include <algorithm>
#include <cstring>
#include <fstream>
#include <map>
#include <memory>
#include <set>

namespace eigenscope::io {

namespace {

constexpr size_t kMaxMemo = 1 << 22;
constexpr size_t kMaxStack = 1 << 22;
constexpr size_t kMaxValues = 1 << 24;

// Values live in the unpickler's arena and point at each other with plain pointers: a pickle may build cycles
// (through the memo) or deep nesting, and neither may leak or recurse on destruction.
struct Value;
using Ref = Value*;

struct Value {
    enum class Kind { None, Bool, Int, Float, String, Tuple, List, Dict, Global, Storage, Tensor, Mark };
    Kind kind = Kind::None;
    int64_t integer = 0;
    double real = 0;
    std::string text;  // String; Global "module.name"; Storage key
    std::vector<Ref> items;
    std::vector<std::pair<Ref, Ref>> entries;
    torch::ScalarType storageType = torch::kFloat;
    std::string location;
    int64_t storageElements = 0;
    torch::Tensor tensor;
};

const char* kindName(Value::Kind kind) {
    switch (kind) {
    case Value::Kind::None: return "None";
    case Value::Kind::Bool: return "bool";
    case Value::Kind::Int: return "int";
    case Value::Kind::Float: return "float";
    case Value::Kind::String: return "str";
    case Value::Kind::Tuple: return "tuple";
    case Value::Kind::List: return "list";
    case Value::Kind::Dict: return "dict";
    case Value::Kind::Global: return "global";
    case Value::Kind::Storage: return "storage";
    case Value::Kind::Tensor: return "tensor";
    case Value::Kind::Mark: return "mark";
    }
    return "?";
}

const std::map<std::string, torch::ScalarType>& storageTypes() {
    static const std::map<std::string, torch::ScalarType> table = {
        {"torch.FloatStorage", torch::kFloat},   {"torch.DoubleStorage", torch::kDouble},
        {"torch.HalfStorage", torch::kHalf},     {"torch.BFloat16Storage", torch::kBFloat16},
        {"torch.LongStorage", torch::kLong},     {"torch.IntStorage", torch::kInt},
        {"torch.ShortStorage", torch::kShort},   {"torch.CharStorage", torch::kChar},
        {"torch.ByteStorage", torch::kByte},     {"torch.BoolStorage", torch::kBool}};
    return table;
}

bool allowedGlobal(const std::string& name) {
    static const std::set<std::string> functions = {"collections.OrderedDict", "torch._utils._rebuild_tensor_v2",
                                                    "torch._utils._rebuild_parameter",
                                                    "torch._utils._rebuild_parameter_with_state"};
    return functions.count(name) || storageTypes().count(name);
}

class Unpickler {
public:
    Unpickler(const std::string& bytes, const std::function<std::string(const std::string&)>& storage, std::string origin)
        : data_(bytes), storage_(storage), origin_(std::move(origin)) {}

    Ref run() {
        for (;;) {
            const uint8_t op = byte();
            switch (op) {
            case 0x80: byte(); break;  // PROTO
            case 0x95: take(8); break;  // FRAME
            case '}': push(make(Value::Kind::Dict)); break;
            case ']': push(make(Value::Kind::List)); break;
            case ')': push(make(Value::Kind::Tuple)); break;
            case '(': push(make(Value::Kind::Mark)); break;
            case 'N': push(make(Value::Kind::None)); break;
            case 0x88: push(boolean(true)); break;
            case 0x89: push(boolean(false)); break;
            case 'J': push(integer(int32_t(littleEndian(4)))); break;
            case 'K': push(integer(byte())); break;
            case 'M': push(integer(int64_t(littleEndian(2)))); break;
            case 0x8a: push(integer(long1())); break;
            case 'G': push(real()); break;
            case 'X': push(string(littleEndian(4))); break;
            case 0x8c: push(string(byte())); break;
            case 'B': push(string(littleEndian(4))); break;
            case 'C': push(string(byte())); break;
            case 't': push(tupleFrom(popMark())); break;
            case 0x85: push(tupleOf(1)); break;
            case 0x86: push(tupleOf(2)); break;
            case 0x87: push(tupleOf(3)); break;
            case 'a': {
                auto v = pop();
                listTop()->items.push_back(v);
                break;
            }
            case 'e': {
                auto values = popMark();
                auto list = listTop();
                list->items.insert(list->items.end(), values.begin(), values.end());
                break;
            }
            case 's': {
                auto value = pop(), key = pop();
                dictTop()->entries.emplace_back(key, value);
                break;
            }
            case 'u': {
                auto values = popMark();
                if (values.size() % 2) fail("SETITEMS with an odd number of items");
                auto dict = dictTop();
                for (size_t i = 0; i < values.size(); i += 2) dict->entries.emplace_back(values[i], values[i + 1]);
                break;
            }
            case 'c': {
                const std::string module = line();
                push(global(module + "." + line()));
                break;
            }
            case 0x93: {
                auto name = pop(), module = pop();
                if (name->kind != Value::Kind::String || module->kind != Value::Kind::String) fail("STACK_GLOBAL needs two strings");
                push(global(module->text + "." + name->text));
                break;
            }
            case 'q': memoPut(byte()); break;
            case 'r': memoPut(littleEndian(4)); break;
            case 0x94: memoPut(memo_.size()); break;
            case 'h': push(memoGet(byte())); break;
            case 'j': push(memoGet(littleEndian(4))); break;
            case 'Q': push(persistent(pop())); break;
            case 'R': {
                auto args = pop(), callable = pop();
                push(reduce(callable, args));
                break;
            }
            case 0x81: {  // NEWOBJ: cls.__new__(cls, *args), only OrderedDict
                auto args = pop(), cls = pop();
                push(reduce(cls, args));
                break;
            }
            case 'b': {
                pop();  // the state
                auto target = top();
                // OrderedDict state (the state dict's _metadata attribute) carries no weights.
                if (target->kind != Value::Kind::Dict) fail(std::string("BUILD on a ") + kindName(target->kind));
                break;
            }
            case '.': {
                auto result = pop();
                return result;
            }
            default: {
                char hex[8];
                std::snprintf(hex, sizeof hex, "0x%02x", op);
                fail(std::string("opcode ") + hex + " at offset " + std::to_string(position_ - 1));
            }
            }
        }
    }

    std::vector<std::string> notes;

private:
    Ref make(Value::Kind kind) {
        if (arena_.size() >= kMaxValues) fail("more than " + std::to_string(kMaxValues) + " values");
        arena_.push_back(std::make_unique<Value>());
        arena_.back()->kind = kind;
        return arena_.back().get();
    }

    [[noreturn]] void fail(const std::string& what) const {
        throw Error(origin_ + ": unsupported pickle content: " + what);
    }
    [[noreturn]] void truncated() const { throw Error(origin_ + ": the pickle ends early (truncated data.pkl?)"); }

    uint8_t byte() {
        if (position_ >= data_.size()) truncated();
        return uint8_t(data_[position_++]);
    }
    std::string take(uint64_t n) {
        if (n > data_.size() - position_) truncated();
        std::string out = data_.substr(position_, size_t(n));
        position_ += size_t(n);
        return out;
    }
    uint64_t littleEndian(int n) {
        const std::string bytes = take(uint64_t(n));
        uint64_t v = 0;
        for (int i = n - 1; i >= 0; --i) v = (v << 8) | uint8_t(bytes[size_t(i)]);
        return v;
    }
    int64_t long1() {
        const uint8_t n = byte();
        if (n > 8) fail("an integer wider than 64 bits");
        if (n == 0) return 0;
        uint64_t v = littleEndian(n);
        if (n < 8 && (v >> (8 * n - 1)) & 1) v |= ~uint64_t(0) << (8 * n);  // sign-extend
        return int64_t(v);
    }
    std::string line() {
        const auto end = data_.find('\n', position_);
        if (end == std::string::npos || end - position_ > 256) truncated();
        std::string out = data_.substr(position_, end - position_);
        position_ = end + 1;
        return out;
    }

    Ref boolean(bool v) {
        auto r = make(Value::Kind::Bool);
        r->integer = v;
        return r;
    }
    Ref integer(int64_t v) {
        auto r = make(Value::Kind::Int);
        r->integer = v;
        return r;
    }
    Ref real() {
        const std::string bytes = take(8);
        uint64_t bits = 0;
        for (int i = 0; i < 8; ++i) bits = (bits << 8) | uint8_t(bytes[size_t(i)]);  // big-endian
        auto r = make(Value::Kind::Float);
        std::memcpy(&r->real, &bits, 8);
        return r;
    }
    Ref string(uint64_t n) {
        auto r = make(Value::Kind::String);
        r->text = take(n);
        return r;
    }
    Ref global(const std::string& name) {
        if (!allowedGlobal(name)) fail("global " + name);
        auto r = make(Value::Kind::Global);
        r->text = name;
        return r;
    }

    void push(Ref v) {
        if (stack_.size() >= kMaxStack) fail("a stack deeper than " + std::to_string(kMaxStack));
        stack_.push_back(v);
    }
    Ref pop() {
        if (stack_.empty() || stack_.back()->kind == Value::Kind::Mark) fail("an opcode that pops an empty stack");
        Ref v = stack_.back();
        stack_.pop_back();
        return v;
    }
    Ref top() {
        if (stack_.empty()) fail("an opcode on an empty stack");
        return stack_.back();
    }
    std::vector<Ref> popMark() {
        std::vector<Ref> values;
        while (!stack_.empty() && stack_.back()->kind != Value::Kind::Mark) {
            values.push_back(stack_.back());
            stack_.pop_back();
        }
        if (stack_.empty()) fail("a missing MARK");
        stack_.pop_back();
        return {values.rbegin(), values.rend()};
    }
    Ref listTop() {
        auto t = top();
        if (t->kind != Value::Kind::List) fail(std::string("APPEND to a ") + kindName(t->kind));
        return t;
    }
    Ref dictTop() {
        auto t = top();
        if (t->kind != Value::Kind::Dict) fail(std::string("SETITEM on a ") + kindName(t->kind));
        return t;
    }
    Ref tupleFrom(std::vector<Ref> items) {
        auto r = make(Value::Kind::Tuple);
        r->items = std::move(items);
        return r;
    }
    Ref tupleOf(size_t n) {
        std::vector<Ref> items(n);
        for (size_t i = n; i-- > 0;) items[i] = pop();
        return tupleFrom(std::move(items));
    }
    void memoPut(uint64_t index) {
        if (index >= kMaxMemo) fail("a memo index above " + std::to_string(kMaxMemo));
        if (memo_.size() <= index) memo_.resize(size_t(index) + 1);
        memo_[size_t(index)] = top();
    }
    Ref memoGet(uint64_t index) {
        if (index >= memo_.size() || !memo_[size_t(index)]) fail("a memo lookup of an unset index " + std::to_string(index));
        return memo_[size_t(index)];
    }

    int64_t intItem(const Ref& tuple, size_t i, const std::string& what) {
        if (tuple->items.size() <= i || tuple->items[i]->kind != Value::Kind::Int) fail(what + " is not an integer");
        return tuple->items[i]->integer;
    }
    std::vector<int64_t> intTuple(const Ref& v, const std::string& what) {
        if (v->kind != Value::Kind::Tuple) fail(what + " is not a tuple");
        std::vector<int64_t> out;
        for (size_t i = 0; i < v->items.size(); ++i) out.push_back(intItem(v, i, what));
        return out;
    }

    Ref persistent(const Ref& id) {
        // ('storage', torch.XStorage, key, location, numel)
        if (id->kind != Value::Kind::Tuple || id->items.size() != 5 || id->items[0]->kind != Value::Kind::String ||
            id->items[0]->text != "storage" || id->items[1]->kind != Value::Kind::Global ||
            id->items[2]->kind != Value::Kind::String || id->items[3]->kind != Value::Kind::String)
            fail("a persistent id that is not a torch storage");
        const auto type = storageTypes().find(id->items[1]->text);
        if (type == storageTypes().end()) fail("storage type " + id->items[1]->text);
        auto r = make(Value::Kind::Storage);
        r->storageType = type->second;
        r->text = id->items[2]->text;
        r->location = id->items[3]->text;
        r->storageElements = intItem(id, 4, "storage size");
        if (r->storageElements < 0) fail("a negative storage size");
        if (r->location != "cpu") {
            const std::string note = "storages saved on " + r->location + " were loaded on the CPU";
            if (std::find(notes.begin(), notes.end(), note) == notes.end()) notes.push_back(note);
        }
        return r;
    }

    torch::Tensor storageTensor(const Value& s) {
        auto cached = storages_.find(s.text);
        if (cached != storages_.end()) return cached->second;
        const std::string bytes = storage_(s.text);
        const auto itemSize = int64_t(c10::elementSize(s.storageType));
        if (int64_t(bytes.size()) != s.storageElements * itemSize)
            throw Error(origin_ + ": storage data/" + s.text + " holds " + std::to_string(bytes.size()) + " bytes, the pickle says " +
                        std::to_string(s.storageElements) + " elements of " + std::to_string(itemSize) + " bytes");
        auto t = torch::empty({s.storageElements}, torch::TensorOptions().dtype(s.storageType));
        if (!bytes.empty()) std::memcpy(t.data_ptr(), bytes.data(), bytes.size());
        storages_[s.text] = t;
        return t;
    }

    Ref rebuildTensor(const Ref& args) {
        if (args->kind != Value::Kind::Tuple || args->items.size() < 4) fail("_rebuild_tensor_v2 with too few arguments");
        const auto& storage = args->items[0];
        if (storage->kind != Value::Kind::Storage) fail("_rebuild_tensor_v2 without a storage");
        const int64_t offset = intItem(args, 1, "storage offset");
        const auto size = intTuple(args->items[2], "tensor size");
        const auto stride = intTuple(args->items[3], "tensor stride");
        if (size.size() != stride.size() || size.size() > 32) fail("tensor size and stride of different ranks");
        int64_t last = offset;
        bool empty = false;
        for (size_t i = 0; i < size.size(); ++i) {
            if (size[i] < 0 || stride[i] < 0 || size[i] > (int64_t(1) << 40) || stride[i] > (int64_t(1) << 40))
                fail("a negative or absurd tensor size or stride");
            if (size[i] == 0) empty = true;
            else last += (size[i] - 1) * stride[i];
        }
        if (offset < 0 || (!empty && last >= storage->storageElements))
            throw Error(origin_ + ": a tensor reaches past the end of its storage data/" + storage->text);
        auto r = make(Value::Kind::Tensor);
        const auto base = storageTensor(*storage);
        r->tensor = empty ? torch::empty(size, base.options()) : base.as_strided(size, stride, offset).clone();
        return r;
    }

    Ref reduce(const Ref& callable, const Ref& args) {
        if (callable->kind != Value::Kind::Global) fail(std::string("calling a ") + kindName(callable->kind));
        if (args->kind != Value::Kind::Tuple) fail("call arguments that are not a tuple");
        const std::string& name = callable->text;
        if (name == "collections.OrderedDict") {
            if (!args->items.empty()) fail("OrderedDict with arguments");
            return make(Value::Kind::Dict);
        }
        if (name == "torch._utils._rebuild_tensor_v2") return rebuildTensor(args);
        if (name == "torch._utils._rebuild_parameter" || name == "torch._utils._rebuild_parameter_with_state") {
            if (args->items.empty() || args->items[0]->kind != Value::Kind::Tensor) fail(name + " without a tensor");
            return args->items[0];
        }
        fail("call of " + name);
    }

    const std::string& data_;
    const std::function<std::string(const std::string&)>& storage_;
    std::string origin_;
    size_t position_ = 0;
    std::vector<std::unique_ptr<Value>> arena_;
    std::vector<Ref> stack_;
    std::vector<Ref> memo_;
    std::map<std::string, torch::Tensor> storages_;
};

// The dict of tensors: the top level, or the usual wrappers {"state_dict": …}, {"model": …}.
const Value* stateDictOf(const Value& root, int depth = 0) {
    if (root.kind != Value::Kind::Dict || depth > 3) return nullptr;
    bool allTensors = !root.entries.empty();
    for (const auto& [key, value] : root.entries) allTensors = allTensors && value->kind == Value::Kind::Tensor;
    if (allTensors) return &root;
    for (const char* wrapper : {"state_dict", "model", "model_state_dict", "module"})
        for (const auto& [key, value] : root.entries)
            if (key->kind == Value::Kind::String && key->text == wrapper && value->kind == Value::Kind::Dict)
                return stateDictOf(*value, depth + 1);
    return nullptr;
}

}  // namespace

TorchStateDict unpickleStateDict(const std::string& pickle, const std::function<std::string(const std::string&)>& storage,
                                 const std::string& origin) {
    Unpickler unpickler(pickle, storage, origin);
    const Ref root = unpickler.run();
    const Value* dict = stateDictOf(*root);
    if (!dict) throw Error(origin + ": holds no state dict (a dict of tensors, possibly under \"state_dict\" or \"model\")");
    TorchStateDict out;
    std::set<std::string> seen;
    for (const auto& [key, value] : dict->entries) {
        if (key->kind != Value::Kind::String) throw Error(origin + ": a state dict key is a " + kindName(key->kind) + ", not a string");
        if (!seen.insert(key->text).second) throw Error(origin + ": the state dict names " + key->text + " twice");
        out.tensors.emplace_back(key->text, value->tensor);
    }
    out.notes = unpickler.notes;
    return out;
}

TorchStateDict readTorchSave(const std::string& path) {
    const ZipReader archive(path, "torch.save zip archive");
    std::string prefix, pickleName;
    for (const auto& [entry, index] : archive.entries()) {
        const auto slash = entry.find('/');
        if (slash != std::string::npos && entry.substr(slash) == "/data.pkl") {
            if (!pickleName.empty()) throw Error(path + ": the archive holds more than one data.pkl");
            pickleName = entry;
            prefix = entry.substr(0, slash + 1);
        }
    }
    if (pickleName.empty()) throw Error(path + ": a zip archive without data.pkl, so not a torch.save file");
    if (archive.entries().count(prefix + "byteorder") && archive.read(prefix + "byteorder").rfind("little", 0) != 0)
        throw Error(path + ": big-endian storages are not supported");
    const std::string pickle = archive.read(pickleName);
    const auto storage = [&](const std::string& key) {
        if (!archive.entries().count(prefix + "data/" + key))
            throw Error(path + ": the storage data/" + key + " is missing from the archive");
        return archive.read(prefix + "data/" + key);
    };
    return unpickleStateDict(pickle, storage, path);
}

}  // namespace eigenscope::io
