using Wasipy.Cli;

return await WasipyCli.RunAsync(args, Console.Out, Console.Error);
