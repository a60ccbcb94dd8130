// Figures as PNG (chosen DPI), SVG and PDF, and a PDF report with the four plots, the metrics table and the
// model spec. Everything is painted with QPainter (no OpenGL) and written atomically (QSaveFile).
#pragma once

#include <QSize>
#include <QString>
#include <QStringList>

#include <vector>

namespace eigenscope::ui {

class PlotWidget;

enum class FigureFormat { Png, Svg, Pdf };

// From the file suffix; throws eigenscope::Error naming the path for anything else.
FigureFormat figureFormat(const QString& path);

// Plots side by side in a grid of `columns` columns, each `cellSize` logical pixels (1/96 inch).
void exportFigure(const std::vector<const PlotWidget*>& plots, const QString& path, int dpi = 200,
                  QSize cellSize = QSize(640, 460), int columns = 2);

struct ReportContent {
    QString title;
    QString summary;      // model and input in a few lines
    QStringList metricsHeader;
    std::vector<QStringList> metricsRows;
    QString specJson;
};
void exportReport(const std::vector<const PlotWidget*>& plots, const ReportContent& content, const QString& path);

}  // namespace eigenscope::ui
