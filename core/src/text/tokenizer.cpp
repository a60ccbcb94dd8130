#include "text/tokenizer.h"

#include "eigenscope/error.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <unicode/unorm2.h>
#include <unicode/ustring.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <climits>
#include <cstdio>
#include <fstream>
#include <functional>
#include <map>
#include <sstream>
#include <unordered_map>

namespace eigenscope::text {

namespace {

using nlohmann::json;

// The GPT-2 pre-tokenizer pattern that ByteLevel uses with use_regex.
const char* const kGpt2Pattern = R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+)";

// One UTF-8 character starting at text[i]: its byte length (1 for a stray byte).
size_t utf8Length(const std::string& text, size_t i) {
    const auto c = static_cast<unsigned char>(text[i]);
    const size_t n = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 1;
    if (i + n > text.size()) return 1;
    for (size_t k = 1; k < n; ++k)
        if ((static_cast<unsigned char>(text[i + k]) >> 6) != 0x2) return 1;
    return n;
}

std::string utf8Of(uint32_t cp) {
    std::string out;
    if (cp < 0x80) {
        out += char(cp);
    } else if (cp < 0x800) {
        out += char(0xC0 | (cp >> 6));
        out += char(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        out += char(0xE0 | (cp >> 12));
        out += char(0x80 | ((cp >> 6) & 0x3F));
        out += char(0x80 | (cp & 0x3F));
    } else {
        out += char(0xF0 | (cp >> 18));
        out += char(0x80 | ((cp >> 12) & 0x3F));
        out += char(0x80 | ((cp >> 6) & 0x3F));
        out += char(0x80 | (cp & 0x3F));
    }
    return out;
}

std::string byteToken(unsigned char byte) {
    char name[8];
    std::snprintf(name, sizeof name, "<0x%02X>", unsigned(byte));
    return name;
}

// Bytes as text: whole UTF-8 characters as they are, any other byte as <0xNN>.
std::string printable(const std::string& bytes) {
    std::string out;
    for (size_t i = 0; i < bytes.size();) {
        const size_t n = utf8Length(bytes, i);
        if (n == 1 && static_cast<unsigned char>(bytes[i]) >= 0x80) out += byteToken(static_cast<unsigned char>(bytes[i]));
        else out += bytes.substr(i, n);
        i += n;
    }
    return out;
}

// GPT-2's reversible byte ↔ printable-character map (bytes_to_unicode).
struct ByteMap {
    std::array<std::string, 256> toChar;
    std::unordered_map<std::string, unsigned char> toByte;
    ByteMap() {
        int extra = 0;
        for (int b = 0; b < 256; ++b) {
            const bool printableByte = (b >= 33 && b <= 126) || (b >= 161 && b <= 172) || (b >= 174 && b <= 255);
            toChar[size_t(b)] = utf8Of(printableByte ? uint32_t(b) : uint32_t(256 + extra++));
            toByte[toChar[size_t(b)]] = static_cast<unsigned char>(b);
        }
    }
};

const ByteMap& byteMap() {
    static const ByteMap map;
    return map;
}

class Regex {
public:
    Regex(const std::string& pattern, const std::string& origin) {
        int code = 0;
        PCRE2_SIZE offset = 0;
        re_ = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern.c_str()), pattern.size(), PCRE2_UTF | PCRE2_UCP, &code,
                            &offset, nullptr);
        if (!re_) {
            PCRE2_UCHAR message[256];
            pcre2_get_error_message(code, message, sizeof message);
            throw Error(origin + ": the pattern " + json(pattern).dump() + " does not compile at offset " +
                        std::to_string(offset) + ": " + reinterpret_cast<const char*>(message));
        }
        match_ = pcre2_match_data_create_from_pattern(re_, nullptr);
    }
    ~Regex() {
        pcre2_match_data_free(match_);
        pcre2_code_free(re_);
    }
    Regex(const Regex&) = delete;
    Regex& operator=(const Regex&) = delete;

    // The [begin, end) byte ranges of the successive non-overlapping matches.
    std::vector<std::pair<size_t, size_t>> matches(const std::string& text) const {
        std::vector<std::pair<size_t, size_t>> out;
        size_t start = 0;
        while (start <= text.size()) {
            const int rc = pcre2_match(re_, reinterpret_cast<PCRE2_SPTR>(text.data()), text.size(), start, 0, match_, nullptr);
            if (rc < 0) break;
            const PCRE2_SIZE* ovector = pcre2_get_ovector_pointer(match_);
            const size_t begin = ovector[0], end = ovector[1];
            if (end == begin) {  // an empty match: step over one character
                start = begin + (begin < text.size() ? utf8Length(text, begin) : 1);
                continue;
            }
            out.emplace_back(begin, end);
            start = end;
        }
        return out;
    }

private:
    pcre2_code* re_ = nullptr;
    pcre2_match_data* match_ = nullptr;
};

// A text segment between added tokens, and whether it starts the input (Metaspace's prepend_scheme "first").
using Pieces = std::vector<std::string>;
using PreTokenizer = std::function<Pieces(const std::string& piece, bool first)>;
using Normalizer = std::function<std::string(const std::string&)>;

std::string icuNormalize(const std::string& text, const UNormalizer2* form, const std::string& origin) {
    if (text.empty()) return text;
    UErrorCode status = U_ZERO_ERROR;
    int32_t length = 0;
    u_strFromUTF8WithSub(nullptr, 0, &length, text.data(), int32_t(text.size()), 0xFFFD, nullptr, &status);
    std::u16string wide(size_t(length), u'\0');
    status = U_ZERO_ERROR;
    u_strFromUTF8WithSub(wide.data(), length, nullptr, text.data(), int32_t(text.size()), 0xFFFD, nullptr, &status);
    status = U_ZERO_ERROR;
    const int32_t needed = unorm2_normalize(form, wide.data(), int32_t(wide.size()), nullptr, 0, &status);
    std::u16string normalized(size_t(needed), u'\0');
    status = U_ZERO_ERROR;
    const int32_t n = unorm2_normalize(form, wide.data(), int32_t(wide.size()), normalized.data(), needed, &status);
    if (U_FAILURE(status)) throw Error(origin + ": Unicode normalization failed (" + u_errorName(status) + ")");
    std::string out(size_t(n) * 3 + 4, '\0');
    int32_t written = 0;
    u_strToUTF8(out.data(), int32_t(out.size()), &written, normalized.data(), n, &status);
    if (U_FAILURE(status)) throw Error(origin + ": Unicode normalization failed (" + u_errorName(status) + ")");
    out.resize(size_t(written));
    return out;
}

std::string replaceAll(const std::string& text, const std::string& from, const std::string& to) {
    if (from.empty()) return text;
    std::string out;
    size_t at = 0;
    for (size_t found; (found = text.find(from, at)) != std::string::npos; at = found + from.size())
        out += text.substr(at, found - at) + to;
    return out + text.substr(at);
}

std::string typeOf(const json& j, const std::string& what, const std::string& origin) {
    if (!j.is_object() || !j.contains("type") || !j["type"].is_string())
        throw Error(origin + ": a " + what + " without a \"type\"");
    return j["type"].get<std::string>();
}

// {"String": s} or {"Regex": r}: the literal string, or the regex (isRegex true).
std::string patternOf(const json& j, bool& isRegex, const std::string& origin) {
    if (j.is_object() && j.contains("String") && j["String"].is_string()) {
        isRegex = false;
        return j["String"].get<std::string>();
    }
    if (j.is_object() && j.contains("Regex") && j["Regex"].is_string()) {
        isRegex = true;
        return j["Regex"].get<std::string>();
    }
    throw Error(origin + ": a pattern that is neither {\"String\": …} nor {\"Regex\": …}");
}

// Pieces cut at every match: the matches kept as pieces (Isolated) or dropped (Removed).
Pieces splitByMatches(const std::string& text, const std::vector<std::pair<size_t, size_t>>& matches, bool keepMatches) {
    Pieces out;
    size_t at = 0;
    for (const auto& [begin, end] : matches) {
        if (begin > at) out.push_back(text.substr(at, begin - at));
        if (keepMatches) out.push_back(text.substr(begin, end - begin));
        at = end;
    }
    if (at < text.size()) out.push_back(text.substr(at));
    return out;
}

std::vector<std::pair<size_t, size_t>> literalMatches(const std::string& text, const std::string& literal) {
    std::vector<std::pair<size_t, size_t>> out;
    if (literal.empty()) return out;
    for (size_t at = text.find(literal); at != std::string::npos; at = text.find(literal, at + literal.size()))
        out.emplace_back(at, at + literal.size());
    return out;
}

}  // namespace

struct Tokenizer::Impl {
    std::string origin;
    std::unordered_map<std::string, int64_t> vocab;
    std::vector<std::string> pieceOf;  // id → vocabulary string
    std::map<std::pair<std::string, std::string>, int64_t> ranks;
    bool ignoreMerges = false, byteFallback = false, fuseUnk = false, byteLevel = false, metaspace = false;
    std::string metaspaceChar = "\xE2\x96\x81";  // ▁
    int64_t unk = -1;
    std::vector<std::pair<std::string, int64_t>> added;  // longest first
    Normalizer normalize;
    PreTokenizer preTokenize;
    std::vector<int64_t> prefix, suffix;  // the post-processor's single-sequence template
    std::vector<std::shared_ptr<Regex>> regexes;
    mutable std::unordered_map<std::string, std::vector<int64_t>> cache;

    Normalizer makeNormalizer(const json& j);
    PreTokenizer makePreTokenizer(const json& j);
    void readModel(const json& j);
    void readPostProcessor(const json& j);
    int64_t idOf(const std::string& token, const std::string& what) const;
    std::vector<int64_t> bpe(const std::string& word) const;
};

Normalizer Tokenizer::Impl::makeNormalizer(const json& j) {
    if (j.is_null()) return [](const std::string& s) { return s; };
    const std::string type = typeOf(j, "normalizer", origin);
    UErrorCode status = U_ZERO_ERROR;
    const UNormalizer2* form = type == "NFC"    ? unorm2_getNFCInstance(&status)
                               : type == "NFKC" ? unorm2_getNFKCInstance(&status)
                               : type == "NFD"  ? unorm2_getNFDInstance(&status)
                               : type == "NFKD" ? unorm2_getNFKDInstance(&status)
                                                : nullptr;
    if (form) {
        if (U_FAILURE(status)) throw Error(origin + ": ICU has no " + type + " normalizer");
        const std::string where = origin;
        return [form, where](const std::string& s) { return icuNormalize(s, form, where); };
    }
    if (type == "Sequence") {
        std::vector<Normalizer> parts;
        for (const auto& part : j.value("normalizers", json::array())) parts.push_back(makeNormalizer(part));
        return [parts](const std::string& s) {
            std::string out = s;
            for (const auto& part : parts) out = part(out);
            return out;
        };
    }
    if (type == "Prepend") {
        const std::string prepend = j.value("prepend", std::string());
        return [prepend](const std::string& s) { return s.empty() ? s : prepend + s; };
    }
    if (type == "Replace") {
        bool isRegex = false;
        const std::string pattern = patternOf(j.value("pattern", json()), isRegex, origin);
        const std::string content = j.value("content", std::string());
        if (!isRegex) return [pattern, content](const std::string& s) { return replaceAll(s, pattern, content); };
        auto regex = std::make_shared<Regex>(pattern, origin);
        regexes.push_back(regex);
        return [regex, content](const std::string& s) {
            std::string out;
            size_t at = 0;
            for (const auto& [begin, end] : regex->matches(s)) {
                out += s.substr(at, begin - at) + content;
                at = end;
            }
            return out + s.substr(at);
        };
    }
    throw Error(origin + ": the normalizer \"" + type + "\" is not supported");
}

PreTokenizer Tokenizer::Impl::makePreTokenizer(const json& j) {
    if (j.is_null()) return [](const std::string& s, bool) { return Pieces{s}; };
    const std::string type = typeOf(j, "pre-tokenizer", origin);
    if (type == "Sequence") {
        std::vector<PreTokenizer> parts;
        for (const auto& part : j.value("pretokenizers", json::array())) parts.push_back(makePreTokenizer(part));
        return [parts](const std::string& s, bool first) {
            Pieces pieces{s};
            for (const auto& part : parts) {
                Pieces next;
                for (size_t i = 0; i < pieces.size(); ++i) {
                    auto split = part(pieces[i], first && i == 0);
                    next.insert(next.end(), split.begin(), split.end());
                }
                pieces = std::move(next);
            }
            return pieces;
        };
    }
    if (type == "ByteLevel") {
        byteLevel = true;
        const bool prefixSpace = j.value("add_prefix_space", false);
        std::shared_ptr<Regex> regex;
        if (j.value("use_regex", true)) {
            regex = std::make_shared<Regex>(kGpt2Pattern, origin);
            regexes.push_back(regex);
        }
        return [prefixSpace, regex](const std::string& s, bool) {
            const std::string text = prefixSpace && !s.empty() && s[0] != ' ' ? " " + s : s;
            Pieces pieces = regex ? splitByMatches(text, regex->matches(text), true) : Pieces{text};
            for (auto& piece : pieces) {
                std::string mapped;
                for (unsigned char byte : piece) mapped += byteMap().toChar[byte];
                piece = std::move(mapped);
            }
            return pieces;
        };
    }
    if (type == "Split") {
        bool isRegex = false;
        const std::string pattern = patternOf(j.value("pattern", json()), isRegex, origin);
        const std::string behavior = j.value("behavior", std::string("Isolated"));
        if (behavior != "Isolated" && behavior != "Removed")
            throw Error(origin + ": the Split behavior \"" + behavior + "\" is not supported");
        if (j.value("invert", false)) throw Error(origin + ": an inverted Split is not supported");
        const bool keep = behavior == "Isolated";
        std::shared_ptr<Regex> regex;
        if (isRegex) {
            regex = std::make_shared<Regex>(pattern, origin);
            regexes.push_back(regex);
        }
        return [regex, pattern, keep](const std::string& s, bool) {
            return splitByMatches(s, regex ? regex->matches(s) : literalMatches(s, pattern), keep);
        };
    }
    if (type == "Metaspace") {
        metaspace = true;
        metaspaceChar = j.value("replacement", metaspaceChar);
        std::string scheme = j.value("prepend_scheme", std::string());
        if (scheme.empty()) scheme = j.value("add_prefix_space", true) ? "always" : "never";
        if (scheme != "always" && scheme != "first" && scheme != "never")
            throw Error(origin + ": the Metaspace prepend_scheme \"" + scheme + "\" is not supported");
        const bool split = j.value("split", true);
        const std::string marker = metaspaceChar;
        return [marker, scheme, split](const std::string& s, bool first) {
            std::string text = replaceAll(s, " ", marker);
            const bool prepend = scheme == "always" || (scheme == "first" && first);
            if (prepend && text.rfind(marker, 0) != 0) text = marker + text;
            if (!split) return Pieces{text};
            Pieces pieces;  // each marker starts a piece (merged with the text after it)
            size_t start = 0;
            for (size_t at = text.find(marker, 1); at != std::string::npos; at = text.find(marker, at + marker.size())) {
                pieces.push_back(text.substr(start, at - start));
                start = at;
            }
            pieces.push_back(text.substr(start));
            return pieces;
        };
    }
    if (type == "Digits") {
        auto regex = std::make_shared<Regex>(j.value("individual_digits", false) ? R"(\p{N})" : R"(\p{N}+)", origin);
        regexes.push_back(regex);
        return [regex](const std::string& s, bool) { return splitByMatches(s, regex->matches(s), true); };
    }
    throw Error(origin + ": the pre-tokenizer \"" + type + "\" is not supported");
}

void Tokenizer::Impl::readModel(const json& m) {
    const std::string type = typeOf(m, "model", origin);
    if (type != "BPE") throw Error(origin + ": the tokenizer model \"" + type + "\" is not supported (BPE only)");
    if (!m.contains("vocab") || !m["vocab"].is_object()) throw Error(origin + ": the BPE model has no vocab object");
    for (const char* affix : {"continuing_subword_prefix", "end_of_word_suffix"})
        if (m.contains(affix) && m[affix].is_string() && !m[affix].get<std::string>().empty())
            throw Error(origin + ": BPE with a " + affix + " is not supported");
    if (m.contains("dropout") && !m["dropout"].is_null() && m["dropout"] != 0)
        throw Error(origin + ": BPE dropout is not supported");
    int64_t largest = -1;
    for (const auto& [token, id] : m["vocab"].items()) {
        if (!id.is_number_integer() || id.get<int64_t>() < 0 || id.get<int64_t>() > (int64_t(1) << 24))
            throw Error(origin + ": the vocabulary id of " + json(token).dump() + " is not an id");
        vocab[token] = id.get<int64_t>();
        largest = std::max(largest, id.get<int64_t>());
    }
    pieceOf.resize(size_t(largest + 1));
    for (const auto& [token, id] : vocab) pieceOf[size_t(id)] = token;
    int64_t rank = 0;
    for (const auto& merge : m.value("merges", json::array())) {
        std::string left, right;
        if (merge.is_string()) {
            const auto text = merge.get<std::string>();
            const auto space = text.find(' ', 1);
            if (space == std::string::npos) throw Error(origin + ": the merge " + merge.dump() + " has no space");
            left = text.substr(0, space);
            right = text.substr(space + 1);
        } else if (merge.is_array() && merge.size() == 2 && merge[0].is_string() && merge[1].is_string()) {
            left = merge[0].get<std::string>();
            right = merge[1].get<std::string>();
        } else {
            throw Error(origin + ": the merge " + merge.dump() + " is neither \"a b\" nor [\"a\", \"b\"]");
        }
        ranks.emplace(std::make_pair(left, right), rank++);
    }
    ignoreMerges = m.value("ignore_merges", false);
    byteFallback = m.value("byte_fallback", false);
    fuseUnk = m.value("fuse_unk", false);
    if (m.contains("unk_token") && m["unk_token"].is_string()) {
        const auto it = vocab.find(m["unk_token"].get<std::string>());
        if (it == vocab.end()) throw Error(origin + ": the unk_token " + m["unk_token"].dump() + " is not in the vocabulary");
        unk = it->second;
    }
}

int64_t Tokenizer::Impl::idOf(const std::string& token, const std::string& what) const {
    const auto it = vocab.find(token);
    if (it != vocab.end()) return it->second;
    for (const auto& [content, id] : added)
        if (content == token) return id;
    throw Error(origin + ": the " + what + " " + json(token).dump() + " is not in the vocabulary");
}

void Tokenizer::Impl::readPostProcessor(const json& j) {
    if (j.is_null()) return;
    const std::string type = typeOf(j, "post-processor", origin);
    if (type == "ByteLevel") return;  // offsets only
    if (type == "Sequence") {
        for (const auto& part : j.value("processors", json::array())) readPostProcessor(part);
        return;
    }
    if (type != "TemplateProcessing") throw Error(origin + ": the post-processor \"" + type + "\" is not supported");
    const json specials = j.value("special_tokens", json::object());
    bool seenSequence = false;
    for (const auto& item : j.value("single", json::array())) {
        if (item.contains("Sequence")) {
            seenSequence = true;
            continue;
        }
        if (!item.contains("SpecialToken") || !item["SpecialToken"].contains("id"))
            throw Error(origin + ": a TemplateProcessing item that is neither a SpecialToken nor the Sequence");
        const std::string name = item["SpecialToken"]["id"].get<std::string>();
        std::vector<int64_t> ids;
        if (specials.contains(name) && specials[name].contains("ids")) ids = specials[name]["ids"].get<std::vector<int64_t>>();
        else ids.push_back(idOf(name, "template token"));
        auto& target = seenSequence ? suffix : prefix;
        target.insert(target.end(), ids.begin(), ids.end());
    }
}

std::vector<int64_t> Tokenizer::Impl::bpe(const std::string& word) const {
    if (ignoreMerges) {
        const auto whole = vocab.find(word);
        if (whole != vocab.end()) return {whole->second};
    }
    // Symbols: the word's characters, each in the vocabulary, else its bytes (byte_fallback), else unk.
    std::vector<std::string> symbols;
    std::vector<int64_t> fixedIds;  // −1: look the symbol up after merging; otherwise a byte or unk id
    for (size_t i = 0; i < word.size();) {
        const size_t n = utf8Length(word, i);
        const std::string character = word.substr(i, n);
        i += n;
        if (vocab.count(character)) {
            symbols.push_back(character);
            fixedIds.push_back(-1);
            continue;
        }
        bool fellBack = false;
        if (byteFallback) {
            std::vector<int64_t> bytes;
            for (unsigned char byte : character) {
                const auto it = vocab.find(byteToken(byte));
                if (it == vocab.end()) break;
                bytes.push_back(it->second);
            }
            if (bytes.size() == character.size()) {
                for (int64_t id : bytes) {
                    symbols.push_back(pieceOf[size_t(id)]);
                    fixedIds.push_back(id);
                }
                fellBack = true;
            }
        }
        if (fellBack) continue;
        if (unk < 0)
            throw Error(origin + ": the character " + json(character).dump() +
                        " is not in the vocabulary and the tokenizer has no unk_token");
        if (fuseUnk && !fixedIds.empty() && fixedIds.back() == unk) continue;
        symbols.push_back(pieceOf[size_t(unk)]);
        fixedIds.push_back(unk);
    }
    // Merge the adjacent pair of lowest rank, every occurrence left to right, until no pair has a rank.
    while (symbols.size() > 1) {
        int64_t best = INT64_MAX;
        std::pair<std::string, std::string> bestPair;
        for (size_t i = 0; i + 1 < symbols.size(); ++i) {
            if (fixedIds[i] == unk && unk >= 0) continue;
            const auto it = ranks.find({symbols[i], symbols[i + 1]});
            if (it != ranks.end() && it->second < best) {
                best = it->second;
                bestPair = it->first;
            }
        }
        if (best == INT64_MAX) break;
        std::vector<std::string> merged;
        std::vector<int64_t> mergedIds;
        for (size_t i = 0; i < symbols.size();) {
            if (i + 1 < symbols.size() && symbols[i] == bestPair.first && symbols[i + 1] == bestPair.second) {
                merged.push_back(symbols[i] + symbols[i + 1]);
                mergedIds.push_back(-1);
                i += 2;
            } else {
                merged.push_back(symbols[i]);
                mergedIds.push_back(fixedIds[i]);
                ++i;
            }
        }
        symbols = std::move(merged);
        fixedIds = std::move(mergedIds);
    }
    std::vector<int64_t> ids;
    for (size_t i = 0; i < symbols.size(); ++i)
        ids.push_back(fixedIds[i] >= 0 ? fixedIds[i] : idOf(symbols[i], "merged symbol"));
    return ids;
}

Tokenizer::Tokenizer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Tokenizer::~Tokenizer() = default;

std::shared_ptr<const Tokenizer> Tokenizer::open(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw Error(path + ": cannot open");
    in.seekg(0, std::ios::end);
    const auto bytes = in.tellg();
    if (bytes > std::streamoff(256) << 20) throw Error(path + ": a tokenizer.json of more than 256 MiB is absurd");
    in.seekg(0);
    json j;
    try {
        j = json::parse(in);
    } catch (const json::exception& e) {
        throw Error(path + ": not valid JSON (" + e.what() + ")");
    }
    if (!j.is_object() || !j.contains("model")) throw Error(path + ": not a tokenizer.json (no \"model\")");
    auto impl = std::make_unique<Impl>();
    impl->origin = path;
    try {
        impl->readModel(j["model"]);
        for (const auto& token : j.value("added_tokens", json::array())) {
            if (!token.contains("content") || !token["content"].is_string() || !token.contains("id") ||
                !token["id"].is_number_integer())
                throw Error(path + ": an added token without a content string and an id");
            impl->added.emplace_back(token["content"].get<std::string>(), token["id"].get<int64_t>());
            const auto id = size_t(token["id"].get<int64_t>());
            if (id < (size_t(1) << 24)) {
                if (impl->pieceOf.size() <= id) impl->pieceOf.resize(id + 1);
                impl->pieceOf[id] = token["content"].get<std::string>();
            }
        }
        std::stable_sort(impl->added.begin(), impl->added.end(),
                         [](const auto& a, const auto& b) { return a.first.size() > b.first.size(); });
        impl->normalize = impl->makeNormalizer(j.value("normalizer", json()));
        impl->preTokenize = impl->makePreTokenizer(j.value("pre_tokenizer", json()));
        impl->readPostProcessor(j.value("post_processor", json()));
    } catch (const json::exception& e) {
        throw Error(path + ": " + e.what());
    }
    return std::shared_ptr<const Tokenizer>(new Tokenizer(std::move(impl)));
}

Tokenizer::Encoding Tokenizer::encode(const std::string& utf8) const {
    const Impl& m = *impl_;
    Encoding out;
    const auto emit = [&](int64_t id) {
        out.ids.push_back(id);
        out.pieces.push_back(id >= 0 && size_t(id) < m.pieceOf.size() ? m.pieceOf[size_t(id)] : std::string());
    };
    for (int64_t id : m.prefix) emit(id);
    size_t at = 0, segmentStart = 0;
    const auto flush = [&](size_t end) {
        if (end <= segmentStart) return;
        const std::string normalized = m.normalize(utf8.substr(segmentStart, end - segmentStart));
        for (const auto& piece : m.preTokenize(normalized, segmentStart == 0)) {
            if (piece.empty()) continue;
            auto cached = m.cache.find(piece);
            if (cached == m.cache.end()) {
                if (m.cache.size() > 100000) m.cache.clear();
                cached = m.cache.emplace(piece, m.bpe(piece)).first;
            }
            for (int64_t id : cached->second) emit(id);
        }
    };
    while (at < utf8.size()) {
        const auto special = std::find_if(m.added.begin(), m.added.end(), [&](const auto& token) {
            return !token.first.empty() && utf8.compare(at, token.first.size(), token.first) == 0;
        });
        if (special == m.added.end()) {
            at += utf8Length(utf8, at);
            continue;
        }
        flush(at);
        emit(special->second);
        at += special->first.size();
        segmentStart = at;
    }
    flush(utf8.size());
    for (int64_t id : m.suffix) emit(id);
    return out;
}

std::string Tokenizer::display(int64_t id) const {
    const Impl& m = *impl_;
    if (id < 0 || size_t(id) >= m.pieceOf.size()) return "<" + std::to_string(id) + ">";
    const std::string& piece = m.pieceOf[size_t(id)];
    for (const auto& [content, addedId] : m.added)
        if (addedId == id) return content;
    if (m.byteLevel) {
        std::string bytes;
        for (size_t i = 0; i < piece.size();) {
            const size_t n = utf8Length(piece, i);
            const auto it = byteMap().toByte.find(piece.substr(i, n));
            if (it == byteMap().toByte.end()) return piece;  // not a byte-level symbol
            bytes += char(it->second);
            i += n;
        }
        return printable(bytes);
    }
    if (piece.size() == 6 && piece.rfind("<0x", 0) == 0 && piece[5] == '>') {
        const int byte = std::stoi(piece.substr(3, 2), nullptr, 16);
        return byte >= 0x20 && byte < 0x7F ? std::string(1, char(byte)) : piece;
    }
    return replaceAll(piece, m.metaspaceChar, " ");
}

std::string Tokenizer::describe() const {
    std::string count = std::to_string(size());
    for (int at = int(count.size()) - 3; at > 0; at -= 3) count.insert(size_t(at), ",");
    const Impl& m = *impl_;
    return std::string(m.byteLevel ? "byte-level BPE" : m.byteFallback ? "BPE with byte fallback" : "BPE") + ", " + count +
           " tokens";
}

int64_t Tokenizer::size() const { return int64_t(impl_->pieceOf.size()); }

}  // namespace eigenscope::text
