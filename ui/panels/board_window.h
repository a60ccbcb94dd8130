// The comparison board's window: the models to compare (one source per line), the plot to compare them by, each
// against its init or not, and a grid of small multiples with shared axes, exported as one figure.
#pragma once

#include <QString>
#include <QStringList>
#include <QWidget>

#include <vector>

class QCheckBox;
class QComboBox;
class QGridLayout;
class QLabel;
class QPlainTextEdit;
class QSpinBox;

namespace eigenscope::ui {

class Board;
class PlotWidget;
class Session;

class BoardWindow : public QWidget {
    Q_OBJECT
public:
    enum class Plot { Bins, Eigen, Decay, Impulse };

    explicit BoardWindow(Session* session, QWidget* parent = nullptr);

    void setSources(const QStringList& sources);
    void setPlot(Plot plot);
    void setWithInit(bool on);
    void setColumns(int columns);
    // Analyses the sources with the session's input, mode and device.
    void analyse();
    Board* board() const { return board_; }
    std::vector<const PlotWidget*> cells() const;
    int columns() const;
    // The grid as one PNG, SVG or PDF figure; throws eigenscope::Error naming the path.
    void exportTo(const QString& path, int dpi) const;

Q_SIGNALS:
    void shown();  // the cells show the board's latest results

private:
    void rebuildCells();
    void shareAxes();

    Session* session_;
    Board* board_;
    QPlainTextEdit* sources_ = nullptr;
    QComboBox* plot_ = nullptr;
    QCheckBox* withInit_ = nullptr;
    QSpinBox* columns_ = nullptr;
    QLabel* status_ = nullptr;
    QGridLayout* grid_ = nullptr;
    std::vector<PlotWidget*> cells_;
};

}  // namespace eigenscope::ui
