// A GUI soak test: thousands of random actions on the real window (offscreen) — slider drags, layer edits, presets,
// inputs, pin and compare, undo and redo, good and bad files, training started and stopped, cancels — then checks
// that nothing is stuck, every error reached the banner with the model kept, the heap in use stays within 10 MiB of
// where it settled after warm-up, and the resident memory outside malloc does not keep growing: it is read three
// times in the same settled state (after a third of the actions, two thirds, the end), and a leak shows as growth
// in both intervals, while a library's one-time high-water step does not.
//   eigenscope_soak [--actions N] [--seed S]    (CI runs a size that takes well under a minute)
#include "eigenscope/model.h"
#include "eigenscope/presets.h"
#include "eigenscope/runtime.h"
#include "main_window.h"
#include "panels/architecture_panel.h"
#include "panels/input_panel.h"
#include "session/session.h"
#include "session/training_run.h"
#include "ui_test_util.h"

#include <QApplication>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QLabel>
#include <QPushButton>
#include <QSettings>
#include <QSlider>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QUndoStack>

#include <malloc.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <functional>
#include <random>
#include <string>

namespace {

using namespace eigenscope;
using namespace eigenscope::ui;
using testing::tinyRun;
using testing::waitFor;

// Resident memory outside malloc's arenas (the main heap and the 64 MiB-aligned heaps of the other arenas), after
// malloc_trim: what a leak of mappings, threads or library buffers shows in. Memory inside the arenas is read as the
// heap in use; what they keep free (tuneAllocator keeps freed memory for speed, and a worker thread's arena keeps
// its top chunk whatever malloc_trim does) is the allocator's high-water mark, not a leak.
double residentOutsideMallocMiB() {
    malloc_trim(0);
    constexpr unsigned long kArenaHeapAlignment = 64ul << 20;  // glibc's HEAP_MAX_SIZE on 64-bit
    std::ifstream smaps("/proc/self/smaps");
    double kib = 0;
    bool arena = false;
    for (std::string line; std::getline(smaps, line);) {
        const auto dash = line.find('-'), space = line.find(' ');
        if (dash != std::string::npos && space != std::string::npos && dash < space &&
            line.find_first_not_of("0123456789abcdef") == dash) {
            const unsigned long start = std::stoul(line.substr(0, dash), nullptr, 16);
            std::istringstream fields(line);
            std::string range, perms, offset, device, inode, path;
            fields >> range >> perms >> offset >> device >> inode >> path;
            arena = path == "[heap]" || (path.empty() && start % kArenaHeapAlignment == 0);
        } else if (line.rfind("Rss:", 0) == 0 && !arena) {
            kib += std::stod(line.substr(4));
        }
    }
    return kib / 1024.0;
}

void spin(int ms) {
    QElapsedTimer timer;
    timer.start();
    do QApplication::processEvents(QEventLoop::AllEvents, 5);
    while (timer.elapsed() < ms);
}


// What malloc has handed out and not got back: the leak signal without the allocator's fragmentation.
double heapInUseMiB() {
    const auto info = mallinfo2();
    return double(info.uordblks + info.hblkhd) / 1048576.0;
}

int fail(const std::string& why) {
    std::fprintf(stderr, "soak: FAIL: %s\n", why.c_str());
    return 1;
}

}  // namespace

int main(int argc, char** argv) {
    int actions = 1200;
    unsigned seed = 1;
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string flag = argv[i];
        if (flag == "--actions") actions = std::max(10, std::atoi(argv[i + 1]));
        else if (flag == "--seed") seed = unsigned(std::atoi(argv[i + 1]));
    }
    if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM")) qputenv("QT_QPA_PLATFORM", "offscreen");
    tuneAllocator();
    QStandardPaths::setTestModeEnabled(true);
    QApplication app(argc, argv);
    QApplication::setOrganizationName("eigenscope-soak");
    QSettings::setDefaultFormat(QSettings::IniFormat);
    QTemporaryDir scratch;
    QSettings::setPath(QSettings::IniFormat, QSettings::UserScope, scratch.filePath("settings"));

    // Files to open: a native model, a spec, and two broken ones.
    const QString native = scratch.filePath("model.safetensors"), spec = scratch.filePath("spec.json");
    Model::open("preset:cpu-paper-mqar-lru").save(native.toStdString());
    {
        QFile out(spec);
        out.open(QIODevice::WriteOnly);
        out.write(QByteArray::fromStdString(specToJson(presetSpec("cpu-qlstm")).dump()));
    }
    const QString broken = scratch.filePath("broken.safetensors"), missing = scratch.filePath("missing.json");
    {
        QFile out(broken);
        out.open(QIODevice::WriteOnly);
        out.write("\x20\x00\x00\x00\x00\x00\x00\x00{\"w\": {\"dtype\": \"F32\"}}      ");
    }

    MainWindow window;
    window.resize(1400, 900);
    window.show();
    Session* session = window.session();
    auto* banner = window.findChild<QLabel*>(QStringLiteral("errorBanner"));
    if (!banner) return fail("no error banner");
    std::vector<std::string> presets;
    for (const auto& p : listPresets())
        if (p.name.rfind("cpu-", 0) == 0 || p.name == "s6" || p.name == "mamba2_lti") presets.push_back(p.name);

    std::mt19937 rng(seed);
    const auto pick = [&](int n) { return int(std::uniform_int_distribution<int>(0, n - 1)(rng)); };
    const auto uniform = [&] { return std::uniform_real_distribution<double>(0, 1)(rng); };
    const auto smallInput = [&] {
        window.inputPanel()->setSequenceLength(8 + 8 * pick(4));
        window.inputPanel()->setBatch(1 + pick(3));
    };
    smallInput();
    if (!waitFor([&] { return session->current() && !session->computing(); }, 60000)) return fail("no first result");

    // The same state before each memory reading: a small MQAR input, the model cache filled with the same presets
    // (the demo last, pinned), no comparison, no run.
    const auto settle = [&] {
        session->training()->stop();
        session->setCompareMode(Session::Compare::None);
        window.inputPanel()->setKind("mqar");
        window.inputPanel()->setSequenceLength(32);
        window.inputPanel()->setBatch(2);
        for (const char* preset : {"cpu-rglru", "cpu-qlstm", "cpu-retnet", "cpu-paper-mqar-mamba2"}) {
            session->openModel(QStringLiteral("preset:") + preset);
            if (!waitFor([&] { return !session->computing() && !session->loading(); }, 120000)) return false;
        }
        session->pin();
        session->setCompareMode(Session::Compare::None);
        if (!waitFor([&] { return !session->training()->running(); }, 120000)) return false;
        // The same small run, so the run's curves and snapshots are the same too.
        session->training()->start(session->spec(), QString(), QString(), tinyRun(scratch.filePath("runs"), 2, 1));
        const bool idle = waitFor([&] { return !session->training()->running(); }, 120000);
        spin(200);
        return idle;
    };
    int errors = 0, refused = 0;
    double warmRss = 0, warmHeap = 0, midRss = 0;
    QElapsedTimer clock;
    clock.start();
    for (int action = 0; action < actions; ++action) {
        if (action == actions / 3) {
            if (!settle()) return fail("a worker is stuck at the end of the warm-up");
            warmRss = residentOutsideMallocMiB();
            warmHeap = heapInUseMiB();
        } else if (action == 2 * actions / 3) {
            if (!settle()) return fail("a worker is stuck two thirds into the run");
            midRss = residentOutsideMallocMiB();
        }
        const auto before = specToJson(session->spec());
        const QString errorBefore = session->lastError();
        switch (pick(12)) {
        case 0:
        case 1: {  // a slider drag: a few moves in the lower third of the range (sizes stay modest)
            const QList<QSlider*> sliders = window.architecturePanel()->findChildren<QSlider*>();
            if (sliders.empty()) break;
            QSlider* slider = sliders[pick(int(sliders.size()))];
            if (!slider->isVisible() || !slider->isEnabled()) break;
            for (int move = 0; move < 1 + pick(4); ++move)
                slider->setValue(slider->minimum() + int(0.3 * uniform() * (slider->maximum() - slider->minimum())));
            break;
        }
        case 2: {  // layer add, remove, up, down
            const char* names[] = {"Add", "Remove", "Up", "Down"};
            const QString name = QString::fromLatin1(names[pick(4)]);
            for (auto* button : window.architecturePanel()->findChildren<QPushButton*>())
                if (button->text() == name && session->spec().blocks.size() < 4) button->click();
            break;
        }
        case 3:
            session->openModel(QStringLiteral("preset:") + QString::fromStdString(presets[size_t(pick(int(presets.size())))]));
            break;
        case 4:
            if (pick(3) == 0) window.inputPanel()->setKind(pick(2) ? "randn" : "mqar");
            smallInput();
            break;
        case 5:
            if (pick(2)) session->pin();
            else session->setCompareMode(static_cast<Session::Compare>(pick(3)));
            break;
        case 6:
        case 7:
            if (pick(2)) session->undoStack()->undo();
            else session->undoStack()->redo();
            break;
        case 8: {  // files, good and bad
            const int which = pick(4);
            const QString path = which == 0 ? native : which == 1 ? spec : which == 2 ? broken : missing;
            const bool opened = window.openModel(path);
            if (which >= 2) {
                ++refused;
                if (opened) return fail("a bad file was accepted: " + path.toStdString());
                if (specToJson(session->spec()) != before) return fail("a refused file changed the model");
                if (!banner->isVisibleTo(&window) || banner->text() != session->lastError() ||
                    session->lastError().indexOf(QFileInfo(path).fileName()) < 0)
                    return fail("the banner does not show the error naming " + path.toStdString() + ": " +
                                banner->text().toStdString());
            }
            break;
        }
        case 9: {  // an invalid edit
            ModelSpec bad = session->spec();
            bad.blocks[0].mixer.options["no_such_option"] = 1;
            if (session->editSpec(bad, "bad")) return fail("an invalid edit was accepted");
            if (specToJson(session->spec()) != before) return fail("a refused edit changed the model");
            if (!banner->isVisibleTo(&window) || banner->text() != session->lastError()) return fail("the banner missed an edit error");
            ++refused;
            break;
        }
        case 10: {  // training: start a short run, or stop the one running
            auto* run = session->training();
            if (run->running() || run->resumable()) {
                run->stop();
            } else {
                run->start(session->spec(), session->model().file, session->model().config,
                           tinyRun(scratch.filePath("runs"), 4 + pick(8), 2));
            }
            break;
        }
        case 11:
            session->cancel();
            break;
        }
        if (session->lastError() != errorBefore && !session->lastError().isEmpty()) ++errors;
        spin(pick(4) == 0 ? 20 : 1);
        if (pick(25) == 0 && !waitFor([&] { return !session->computing() && !session->loading(); }, 60000))
            return fail("the analysis or file worker is stuck");
    }
    if (!settle()) return fail("a worker is still busy two minutes after the last action");
    const double endRss = residentOutsideMallocMiB(), endHeap = heapInUseMiB();
    std::printf("soak: %d actions in %.1f s (seed %u): %d errors shown, %d bad inputs refused; resident outside malloc "
                "after warm-up, two thirds and at the end: %.0f, %.0f and %.0f MiB; heap in use after warm-up and at the end: %.0f and "
                "%.0f MiB\n",
                actions, clock.elapsed() / 1000.0, seed, errors, refused, warmRss, midRss, endRss, warmHeap, endHeap);
    if ((midRss - warmRss > 30 && endRss - midRss > 30) || endRss - warmRss > 120)
        return fail("resident memory outside malloc kept growing after warm-up");
    if (endHeap - warmHeap > 10) return fail("the heap in use grew by more than 10 MiB after warm-up: a leak");
    std::printf("soak: ok\n");
    return 0;
}
