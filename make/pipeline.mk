# Pipeline targets, included by the Makefile (which defines BIN and STAMP_LAB).
#   make lab     JupyterLab at the repository root (notebooks/ open, runs/ one click away) with the
#                project's kernel (python3 of this environment); --allow-root only when run as root.
#                Each notebook runs on its own with its defaults (the demo lake, built on first use).
#                A stage notebook saved from Lab is written without outputs (cell ids kept) with its
#                paired .py (nba_simulator.pipeline.lab.strip_on_save): saving keeps `make test` green.
#                LAB_ARGS='--no-browser --ip=0.0.0.0 --port=8888' to serve it elsewhere.
#   make strip   clear outputs and execution counts of notebooks/*.ipynb (cell ids kept) and
#                re-sync each with its paired notebooks/NN_name.py (after editing a .py elsewhere).
LAB_ARGS ?=

.PHONY: lab strip
strip: $(STAMP_LAB)
	$(BIN)/nbstripout --keep-id notebooks/*.ipynb
	$(BIN)/jupytext --sync notebooks/*.ipynb

lab: $(STAMP_LAB)
	$(BIN)/jupyter lab --ServerApp.root_dir=. --LabApp.default_url=/lab/tree/notebooks \
		--MappingKernelManager.default_kernel_name=python3 \
		--ContentsManager.pre_save_hook=nba_simulator.pipeline.lab.strip_on_save \
		$(if $(filter 0,$(shell id -u)),--allow-root) $(LAB_ARGS)
