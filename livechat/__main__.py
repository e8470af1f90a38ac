from livechat.cli import main

if __name__ == "__main__":  # not when a worker process (e.g. language detection) imports it
    main()
