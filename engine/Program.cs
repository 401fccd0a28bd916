using Wasipy.Cli;

Wasipy.Exec.ProcessClock.Mark();
return await WasipyCli.RunAsync(args, Console.Out, Console.Error);
