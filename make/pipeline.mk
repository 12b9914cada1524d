# Pipeline targets, included by the Makefile (which defines BIN and STAMP).
#   make lab     JupyterLab on notebooks/ with the project's kernel (python3 of this environment).
#                Each notebook runs on its own with its defaults (the demo lake, built on first use).
#                LAB_ARGS='--no-browser --ip=0.0.0.0 --port=8888' to serve it elsewhere.
LAB_ARGS ?=

.PHONY: lab
lab: $(STAMP)
	$(BIN)/jupyter lab --ServerApp.root_dir=notebooks \
		--MappingKernelManager.default_kernel_name=python3 \
		$(if $(filter 0,$(shell id -u)),--allow-root) $(LAB_ARGS)
