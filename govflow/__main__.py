from govflow.cli import main

raise SystemExit(main())
