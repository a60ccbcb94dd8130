// The application window: menus, layout, the plot toolbar, the status bar and the exports of figures. Everything
// else lives in its Session, which the panels and plots bind to.
#pragma once

#include <QMainWindow>

#include <vector>

class QCheckBox;
class QComboBox;
class QLabel;
class QMenu;
class QProgressBar;
class QPushButton;
class QScrollArea;
class QSpinBox;

namespace eigenscope::ui {

class ArchitecturePanel;
class BoardWindow;
class BinsPlot;
class DecayPlot;
class EigenPlot;
class ImpulsePlot;
class InputPanel;
class MetricsPanel;
class PlotWidget;
class Session;
class TrainingPanel;

class MainWindow : public QMainWindow {
    Q_OBJECT
public:
    explicit MainWindow(QWidget* parent = nullptr);
    ~MainWindow() override;

    Session* session() const { return session_; }
    // Opens MODEL through the session and remembers it (recent files, last folder).
    bool openModel(const QString& path, const QString& config = QString());

    ArchitecturePanel* architecturePanel() const { return architecture_; }
    InputPanel* inputPanel() const { return input_; }
    MetricsPanel* metricsPanel() const { return metrics_; }
    TrainingPanel* trainingPanel() const { return training_; }
    void revealTraining();  // scrolls the side panel to the training controls
    // The comparison board's window (made on first use).
    BoardWindow* board();
    std::vector<PlotWidget*> plots() const;
    void setImpulseMap(bool on);
    void setEveryHead();  // the Heads view "every head": each head's curve, and a layer × head map of many layers
    void exportPlots(const QString& path, int dpi = 200);
    void exportReportTo(const QString& path);

Q_SIGNALS:
    // After a result has replaced the data of every plot and the table.
    void resultShown();

protected:
    void closeEvent(QCloseEvent* event) override;
    void dragEnterEvent(QDragEnterEvent* event) override;
    void dropEvent(QDropEvent* event) override;

private:
    void buildMenus();
    QWidget* buildPlotArea();
    void onModelChanged();
    void updateStale();
    void refreshPlots();
    void showError(const QString& message);
    void addRecent(const QString& path);
    void rebuildRecentMenu();
    void toggleEnlarged(PlotWidget* plot);
    void exportPlotDialog(const std::vector<const PlotWidget*>& plots);
    void applyTheme(const QString& theme);
    QString chooseSavePath(const QString& title, const QString& filter, const QString& suggested);
    QString modelFileFilter() const;
    void showHelpText(const QString& title, const QString& markdown);  // a modeless dialog

    Session* session_ = nullptr;
    ArchitecturePanel* architecture_ = nullptr;
    InputPanel* input_ = nullptr;
    MetricsPanel* metrics_ = nullptr;
    TrainingPanel* training_ = nullptr;
    QScrollArea* sideScroll_ = nullptr;
    EigenPlot* eigen_ = nullptr;
    BinsPlot* bins_ = nullptr;
    ImpulsePlot* impulse_ = nullptr;
    DecayPlot* decay_ = nullptr;
    PlotWidget* enlarged_ = nullptr;
    QComboBox* layerChoice_ = nullptr;
    QComboBox* colouring_ = nullptr;
    QComboBox* compare_ = nullptr;
    QComboBox* headView_ = nullptr;
    QSpinBox* impulseSource_ = nullptr;
    QSpinBox* head_ = nullptr;
    QCheckBox* mapToggle_ = nullptr;
    QLabel* errorBanner_ = nullptr;
    QLabel* staleLabel_ = nullptr;
    QLabel* deviceLabel_ = nullptr;
    QLabel* timeLabel_ = nullptr;
    QLabel* pointsLabel_ = nullptr;
    std::string shownInputNote_;
    QProgressBar* progress_ = nullptr;
    QPushButton* cancelButton_ = nullptr;
    QMenu* recentMenu_ = nullptr;
    BoardWindow* board_ = nullptr;
};

}  // namespace eigenscope::ui
