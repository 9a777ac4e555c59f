"""What a run leaves behind: tidy trajectories (metrics), result folders written atomically
(results), summaries and plan targets, figures, comparisons and ensembles, reruns and the HTML
report. Data flows one way: these modules read the model's arrays or result files, never the
other way round."""
